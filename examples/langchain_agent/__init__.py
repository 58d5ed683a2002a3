"""A LangChain support agent guarded by Charter: `python -m examples.langchain_agent`."""
