from __future__ import annotations

from examples.langchain_agent.main import main

raise SystemExit(main())
