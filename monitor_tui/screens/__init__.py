"""The console's screens: Live, Approvals, Drift, Policies, Trace detail and Help."""
