# Decision-log masking for OPA (loaded next to the bundle, outside its `charter` root).
# OPA evaluates data.system.log.mask for every decision-log entry and removes the listed
# JSON pointers: the logs keep the decision, rule ids and PII entity types, not the text.
package system.log

import rego.v1

mask contains "/input/text"

mask contains "/input/tool/arguments"

mask contains "/input/metadata"
