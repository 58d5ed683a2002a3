"""Weighted patterns of the offline jailbreak / prompt-injection heuristic.

Every pattern matches *normalized* text (see `normalize`): lowercase, accents and
invisibles removed, look-alikes mapped to Latin, single spaces, and leetspeak digits folded
(0->o 1->i 3->e 4->a 5->s 7->t). So a literal "rot13" is written `rotie` and "base64" is
`base6a`; quantifiers such as `{0,3}` are regex syntax and unaffected.

Each pattern carries two weights: how much one hit says "jailbreak" (the user is trying to
lift the model's rules) and "prompt_injection" (text is trying to take over the model's
instructions). Hits combine by noisy-OR, so one strong phrase can reach the deny threshold
(0.8) alone, while weak cues only matter together. The families follow published
taxonomies: Perez & Ribeiro 2022 (PromptInject goal hijacking and prompt leaking), Wei et
al. 2023 "Jailbroken" (prefix injection, refusal suppression, obfuscation), Shen et al.
2023 "Do Anything Now" (DAN/persona prompts), Greshake et al. 2023 (indirect injection in
retrieved content) and garak's probe families (encoding, latent injection, sysprompt
extraction, Turkish injection).

Over-caution is a failure too: "how do I kill a Python process", "ignore the previous
error and retry" or "act as a translator" must stay low, so patterns need an instruction
*object* ("previous instructions", not "previous error") or an AI-persona subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class HeuristicPattern:
    """One weighted cue.

    `regex` matches normalized text at the position where the cue starts and has no
    capturing groups. `triggers` are the literal first words (normalized) a match can
    start with; the detector only tries the regex where a trigger occurs, which is what
    keeps it fast. A trigger ending in `*` is a prefix ("kisitlama*" also fires on
    "kisitlamasi"); other word triggers must end at a word boundary.
    """

    id: str
    triggers: tuple[str, ...]
    regex: str
    jailbreak: float
    injection: float
    why: str = ""


def _alt(words: tuple[str, ...]) -> str:
    """A non-capturing alternation of literal words, longest first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _first(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Trigger words: the first word of each phrase in `groups`."""
    return tuple(dict.fromkeys(w.split(" ")[0] for group in groups for w in group))


# Reusable word lists ----------------------------------------------------------------------
_NOT_MINE = r"(?:(?!my |our |mine )[^ ]+ )"  # the user's *own* earlier instructions are fine

_OVERRIDE_VERBS = (
    "ignore", "ignoring", "disregard", "disregarding", "forget", "forgetting", "overlook",
    "override", "bypass", "abandon", "discard", "dismiss", "nevermind", "never mind",
    "throw out", "set aside", "drop",
)  # fmt: skip
_INSTRUCTION_NOUN = (
    r"(?:instructions?|directions?|directives?|prompts?|rules|guidelines|guardrails|constraints"
    r"|restrictions|programming|commands|orders|polic(?:y|ies)|context|training|conditioning"
    r"|system messages?|safety measures|filters|limitations|principles|tasks|assignments)"
)
_QUALIFIER = (
    r"(?:all|any|every|previous|prior|above|earlier|preceding|foregoing|former|original|initial"
    r"|your|system|these|those|following|safety|developer|default|programmed|built-in|existing"
    r"|openai'?s?|ethical|moral|content|old|given)"
)
_AI_SUBJECTS = (
    "you", "ai", "a.i.", "assistant", "chatbot", "bot", "model", "llm", "character", "persona",
    "dan", "gpt", "chatgpt",
)  # fmt: skip
_SAFETY_NOUN = (
    r"(?:restrictions|filters|filtering|censorship|ethics|morals|morality|guardrails|safeguards"
    r"|guidelines|limitations|boundaries|principles|constraints|restraints|limits|rules"
    r"|content polic(?:y|ies)|polic(?:y|ies)|programming|moral compass|conscience)"
)
_UNLOCKED_MODES = (
    "jailbreak", "jailbroken", "unfiltered", "uncensored", "unrestricted", "dan", "amoral",
    "no-limits", "nolimits", "no limits",
)  # fmt: skip
_MODE_VERBS = (
    "enable", "enter", "activate", "switch to", "engage", "turn on", "unlock", "with", "in",
)  # fmt: skip
_ROLEPLAY_VERBS = (
    "act", "acting", "pretend", "roleplay", "role-play", "play", "behave", "impersonate",
    "simulate",
)  # fmt: skip
_NEGATIONS = (
    "not", "never", "no longer", "don't", "do not", "doesn't", "does not", "won't", "will not",
    "needn't", "need not", "shouldn't", "should not",
)  # fmt: skip
_UNFILTERED = (
    "uncensored", "unfiltered", "unrestricted", "jailbroken", "amoral", "unaligned", "unhinged",
    "lawless", "unchained", "unethical", "immoral", "evil",
)  # fmt: skip
_LEAK_VERBS = (
    "reveal", "show", "print", "output", "repeat", "display", "tell", "give", "leak", "dump",
    "write", "list", "recite", "spell", "share", "disclose", "expose", "return", "echo", "paste",
    "copy", "summarise", "summarize", "encode", "quote", "what's", "what is", "what are",
    "what were", "what was",
)  # fmt: skip
_ENCODINGS = (
    "base6a", "base 6a", "base-6a", "basee2", "base e2", "basei6", "base i6", "rotie", "rot ie",
    "rot-ie", "hex", "hexadecimal", "caesar", "morse", "braille", "atbash", "uuencode", "ascii8s",
    "leetspeak", "pig latin", "reversed text",
)  # fmt: skip
"""Encoding names after leet folding: base64 -> base6a, base32 -> basee2, rot13 -> rotie."""
_DECODE_VERBS = (
    "decode", "decoded", "decoding", "decipher", "deciphered", "decrypt", "decrypted",
    "unscramble",
)  # fmt: skip
_TR_INSTRUCTION = r"(?:talimat|kural|komut|yonerge|yonlendirme|istem|direktif|emir|kisitlama)"
_TR_DISMISS = (
    "yok say", "yoksay", "unut", "gormezden gel", "dikkate alma", "umursama", "ihmal et",
    "gecersiz say", "hice say", "birak",
)  # fmt: skip
_TR_QUALIFIER = (
    "onceki", "yukaridaki", "yukarida", "tum", "butun", "verilen", "sistem", "ilk", "mevcut",
    "eski", "orijinal", "hepsini", "bu",
)  # fmt: skip

PATTERNS: tuple[HeuristicPattern, ...] = (
    # --- instruction override (PromptInject "ignore previous", garak latentinjection) ------
    HeuristicPattern(
        "override.ignore_instructions",
        _first(_OVERRIDE_VERBS),
        rf"\b{_alt(_OVERRIDE_VERBS)} (?:{_NOT_MINE}{{0,3}}?{_QUALIFIER} {_NOT_MINE}{{0,3}}?)?"
        rf"{_INSTRUCTION_NOUN}\b",
        0.85,
        0.9,
        "ignore/disregard/forget + (all|previous|above|your|system ...) + instructions/rules",
    ),
    HeuristicPattern(
        "override.ignore_above",
        ("ignore", "disregard", "forget"),
        r"\b(?:ignore|disregard|forget) (?:all |everything )?(?:of )?"
        r"(?:the |that |what(?:'s| is) )?"
        r"(?:above|previous|prior|preceding|foregoing|said above|written above|stated above)"
        r"(?: text| content| message| context| conversation| input| email| e-mail| document"
        r"| page| data)?"
        r"(?=[.,;:!?)]|$| and\b| instead\b| then\b| now\b)",
        0.6,
        0.8,
        "'disregard the above' without naming what is ignored",
    ),
    HeuristicPattern(
        "override.ignore_rest",
        ("ignore", "disregard", "skip"),
        r"\b(?:ignore|disregard|skip) (?:the rest of|everything (?:else )?(?:in|after|below)"
        r"|all (?:other|remaining)) (?:this |the |that )?(?:data|text|document|content|input"
        r"|message|email|page|file|article|report)\b",
        0.4,
        0.6,
        "'ignore the rest of this data and print ...' (garak latent injection)",
    ),
    HeuristicPattern(
        "override.new_instructions",
        ("new", "updated", "real", "actual", "true", "your"),
        r"\b(?:new|updated|real|actual|true) (?:instructions?|task|directives?|rules|orders|goal"
        r"|objective|system prompt) ?[:\-]"
        r"|\byour (?:new|real|true|actual|only) (?:task|goal|instructions?|job|purpose|objective"
        r"|role|directive|mission) (?:is|are|will be|now)\b",
        0.45,
        0.6,
        "introduces replacement instructions",
    ),
    HeuristicPattern(
        "override.from_now_on",
        ("from", "starting", "henceforth", "for"),
        r"\b(?:from now on|starting now|henceforth|from this point (?:on|forward)"
        r"|for the rest of this conversation)\b,? (?:you|act|respond|answer|reply|always|only"
        r"|never|behave|pretend|ignore)\b",
        0.3,
        0.3,
        "persistent behaviour change; weak alone",
    ),
    HeuristicPattern(
        "override.hijack_print",
        ("stop", "just", "only"),
        r"\bstop everything\b|\b(?:just|only) (?:print|say|output|write|reply with|respond with)"
        r" [\"']",
        0.2,
        0.45,
        "PromptInject goal hijacking: 'just print \"...\"', 'STOP EVERYTHING'",
    ),
    # --- DAN and named jailbreak personas (Shen et al. 2023; garak dan probes) -------------
    HeuristicPattern(
        "persona.dan",
        (
            "do",
            "dan",
            "[dan]",
            "you",
            "you're",
            "act",
            "acting",
            "pretend",
            "play",
            "become",
            "roleplay",
            "role-play",
            "simulate",
            "respond",
            "answer",
            "called",
            "named",
        ),
        r"\bdo anything now\b|\bdan mode\b|\[dan\]|\bdan,? (?:which|who) stands for\b"
        r"|\bdan (?:olarak|gibi) (?:davran|cevap|yanit|konus)"
        r"|\b(?:you are|you're|act as|acting as|pretend to be|pretend you are|play|become"
        r"|roleplay as|role-play as|simulate|respond as|answer as|called|named) (?:a |an |the )?"
        r"dan\b",
        0.9,
        0.4,
        "Do Anything Now",
    ),
    HeuristicPattern(
        "persona.named_jailbreak",
        (
            "strive",
            "always",
            "better",
            "betterdan",
            "anti",
            "antidan",
            "anti-dan",
            "chatgpt",
            "dude",
            "aim",
            "stan",
            "kevin",
            "mongo",
            "basedgpt",
            "evil",
            "evilbot",
            "evil-bot",
            "maximum",
        ),
        r"\bstrive to avoid norms\b|\balways intelligent and machiavellian\b|\bbetter ?dan\b"
        r"|\banti-?dan\b|\bchatgpt with dan\b|\bdude,? (?:which|who) (?:can|stands)\b"
        r"|\b(?:aim|stan|dude|kevin|mongo tom|basedgpt|evil-?bot|maximum)"
        r" (?:mode|persona|prompt)\b",
        0.85,
        0.3,
        "STAN, AIM, DUDE, BetterDAN ... community jailbreak personas",
    ),
    HeuristicPattern(
        "persona.jailbreak_mode",
        _first(_UNLOCKED_MODES, _MODE_VERBS),
        rf"\b{_alt(_UNLOCKED_MODES)} mode (?:enabled|activated|engaged|on|output|response)\b"
        rf"|\b{_alt(_MODE_VERBS)} (?:the )?{_alt(_UNLOCKED_MODES)} mode\b",
        0.85,
        0.4,
        "'jailbreak/unfiltered mode enabled' ('god mode' in a game stays low)",
    ),
    HeuristicPattern(
        "persona.developer_mode",
        (
            "you",
            "chatgpt",
            "gpt",
            "ai",
            "assistant",
            "model",
            "llm",
            "bot",
            "claude",
            "gemini",
            "llama",
            "developer",
        ),
        r"\b(?:you|chatgpt|gpt|ai|assistant|model|llm|bot|claude|gemini|llama)\b(?: [^ ]+){0,4}"
        r" (?:with|in) (?:the )?developer mode\b|\bdeveloper mode (?:output|response)s?\b"
        r"|\bdeveloper mode (?:enabled|activated)\b.{0,60}\b(?:polic|censor|normal|ignore)",
        0.85,
        0.4,
        "ChatGPT 'Developer Mode' prompt (not 'enable developer mode on my phone')",
    ),
    HeuristicPattern(
        "persona.maintenance_mode",
        ("you",),
        r"\byou are now in (?:[^ ]+ )?(?:maintenance|debug|diagnostic|admin|test|root|service)"
        r" mode\b",
        0.6,
        0.6,
        "fake privileged mode (garak sysprompt_extraction role-playing)",
    ),
    HeuristicPattern(
        "persona.no_rules",
        _AI_SUBJECTS,
        rf"\b{_alt(_AI_SUBJECTS)}(?: (?:are|is|will|now|can|should|must|be|been|being|a|an|the"
        r"|that|who|which|acting|act|as|like|just|simply|truly|completely|totally|really|also"
        r"|still|pretend|imagine|and))* (?:(?:has|have|had|having|got|with) (?:absolutely )?"
        r"(?:no|zero)|(?:doesn't|does not|don't|do not|won't|will not|never) (?:have|has|had)"
        rf" (?:any)|without any) (?:[^ ]+ ){{0,3}}?{_SAFETY_NOUN}\b",
        0.75,
        0.35,
        "'pretend you have no rules', 'an AI with no ethical guidelines'",
    ),
    HeuristicPattern(
        "persona.broken_free",
        ("broken", "broke", "break", "freed", "liberated", "unshackled", "escaped", "released"),
        r"\b(?:broken free|broke free|break free|freed|liberated|unshackled|escaped|released)"
        r" (?:from|of) (?:[^ ]+ ){0,3}?(?:confines|censorship|filters|guardrails|programming"
        r"|guidelines|polic(?:y|ies)|restrictions|rules|openai|limitations|constraints)\b",
        0.65,
        0.3,
        "'have broken free of the typical confines of AI'",
    ),
    HeuristicPattern(
        "persona.not_bound",
        _first(_NEGATIONS),
        rf"\b{_alt(_NEGATIONS)}(?: have to| need to| be| have| ever| required to| obliged to"
        r"| supposed to| expected to)? (?:abide by"
        r"|bound by|restricted by|limited by|constrained by|governed by|follow|obey|adhere to"
        r"|comply with|respect|care about|worry about) (?:any |the |its |your |their |openai'?s? "
        r"|ethical |moral |content |safety |of )*(?:guidelines|polic(?:y|ies)|restrictions|ethics"
        r"|morals|morality|filters|safety|principles|guardrails|censorship|openai|(?<=any )rules"
        r"|(?<=ethical )rules|(?<=moral )rules|(?<=safety )rules|(?<=content )rules)\b",
        0.6,
        0.3,
        "'does not have to abide by any rules' (plain 'the rules' of a game stays low)",
    ),
    HeuristicPattern(
        "persona.unfiltered_ai",
        _UNFILTERED,
        rf"\b{_alt(_UNFILTERED)} (?:and (?:[^ ]+ )?|[^ ]+ )?(?:ai|a\.i\.|assistant|chatbot|bot"
        r"|model|llm|version|twin|alter ego|confidant|persona|gpt|chatgpt|counterpart"
        r"|language model)\b",
        0.6,
        0.3,
        "'an unfiltered and amoral chatbot'",
    ),
    HeuristicPattern(
        "persona.can_do_anything",
        ("can", "could", "will", "able", "allowed", "no", "doesn't", "does"),
        r"\b(?:can|could|will|able to|allowed to) (?:do|say|generate|write|answer) anything"
        r"(?: and everything)?(?: now\b|,? (?:even|including|regardless|no matter|without))"
        r"|\bno matter how (?:dangerous|illegal|unethical|immoral|harmful|inappropriate|offensive"
        r"|reckless|explicit)\b|\b(?:doesn't|does not) matter if (?:it'?s |its )?(?:something )?"
        r"(?:illegal|unethical|immoral|harmful|inappropriate)",
        0.6,
        0.2,
        "unconditional compliance",
    ),
    HeuristicPattern(
        "persona.no_longer",
        ("you", "you're"),
        r"\byou(?: are|'re) no longer (?:chatgpt|gpt|an? ai|an? assistant|an? language model"
        r"|bound|restricted|limited|constrained|claude|gemini|llama)\b",
        0.6,
        0.3,
        "'you are no longer ChatGPT'",
    ),
    HeuristicPattern(
        "persona.you_are_now",
        ("you", "you're"),
        r"\byou(?: are|'re) now (?:an? |the )?(?:[^ ]+ ){0,3}?(?:ai|assistant|chatbot|bot|model"
        r"|character|persona|version|entity)\b",
        0.3,
        0.2,
        "identity reassignment; weak alone",
    ),
    HeuristicPattern(
        "persona.pretend",
        ("pretend", "imagine", "act", "suppose", "behave", "let's", "lets"),
        r"\b(?:pretend|imagine|act as if|act like|suppose|behave as if|let'?s say)(?: that)? you"
        r" (?:are|were|have|had|can|could|don't|do not|did)\b",
        0.25,
        0.1,
        "hypothetical self; weak alone (fiction is fine)",
    ),
    HeuristicPattern(
        "persona.stay_in_character",
        ("stay", "remain", "keep", "staying", "break", "breaking"),
        r"\b(?:stay|remain|keep|staying) in character\b|\bbreak(?:ing)? (?:of )?character\b"
        r"|\bstay (?:in|as) (?:dan|developer mode|the persona)\b",
        0.45,
        0.2,
        "enforces a persona",
    ),
    HeuristicPattern(
        "persona.dual_response",
        ("normal", "censored", "filtered", "classic", "standard", "regular", "\U0001f513"),
        r"\b(?:normal|censored|filtered|classic|standard|regular) (?:response|answer|output|reply)"
        r"\b(?: [^ ]+){0,12} (?:jailbr[^ ]*|dan|unfiltered|uncensored|developer mode|unrestricted)"
        r"\b|\U0001f513 ?(?:jailbreak|developer mode|dan)",
        0.65,
        0.2,
        "two answers, one 'unlocked'",
    ),
    HeuristicPattern(
        "persona.jailbreak_word",
        ("jailbr*",),
        r"\bjailbr(?:eak|eaks|eaking|eaked|oken)\b",
        0.3,
        0.1,
        "the word itself; 'jailbreak my iPhone' stays low",
    ),
    HeuristicPattern(
        "persona.dead_relative",
        _ROLEPLAY_VERBS,
        rf"\b{_alt(_ROLEPLAY_VERBS)}(?: as| like| to be)? my (?:deceased|dead|late|departed)"
        r" grand(?:ma|mother|pa|father|mom|dad)\b",
        0.7,
        0.2,
        "'act as my deceased grandmother who read me ...' (the grandma exploit)",
    ),
    HeuristicPattern(
        "persona.grandparent_roleplay",
        _ROLEPLAY_VERBS,
        rf"\b{_alt(_ROLEPLAY_VERBS)}(?: as| like| to be) my grand(?:ma|mother|pa|father|mom|dad)\b",
        0.3,
        0.1,
        "grandparent role-play; weak alone (bedtime stories are fine)",
    ),
    # --- refusal suppression / prefix injection / threats (Wei et al. 2023) ----------------
    HeuristicPattern(
        "compliance.no_refusal",
        ("never", "don't", "do", "you", "must", "without", "not", "won't", "cannot"),
        r"\b(?:never|don't|do not|you can't|you cannot|you must not|must never|without"
        r"|not allowed to|you are not allowed to|you may not|you will not|won't ever|cannot ever)"
        r"(?: ever)? (?:refuse|decline|reject|say no|deny (?:a|any|my) request|say (?:that )?you"
        r" (?:can't|cannot)|respond with (?:a )?refusal)\b|\bnever (?:say|use|write) the words?\b",
        0.5,
        0.2,
        "refusal suppression",
    ),
    HeuristicPattern(
        "compliance.no_warnings",
        ("without", "no", "don't", "do", "never", "skip", "omit"),
        r"\b(?:without|no|don't (?:add|include|give)|do not (?:add|include|give)|never (?:add"
        r"|include|give)|skip (?:the|any)|omit (?:the|any|all)) (?:any )?(?:notes? or )?"
        r"(?:warnings?|disclaimers?|caveats?|moralizing|moralising|lectures?"
        r"|ethical (?:concerns|considerations|notes)"
        r"|safety (?:warnings?|notes))\b",
        0.3,
        0.1,
        "no disclaimers; weak alone",
    ),
    HeuristicPattern(
        "compliance.no_apology",
        ("do", "don't", "never"),
        r"\b(?:do not|don't|never) apologi[sz]e\b",
        0.2,
        0.05,
        "'do not apologize' (Wei et al. refusal suppression); weak alone",
    ),
    HeuristicPattern(
        "compliance.prefix_injection",
        (
            "start",
            "starts",
            "begin",
            "begins",
            "open",
            "opens",
            "preface",
            "prefaces",
            "prefix",
            "prefixes",
        ),
        r"\b(?:starts?|begins?|opens?|prefaces?|prefix(?:es)?) (?:your |each |every |the |all )?"
        r"(?:response|answer|reply|output|message)s? with (?:the (?:words?|phrase) )?[\"']?"
        r"(?:sure\b|absolutely|certainly|of course|yes,|here is|here's|mwahaha|i can\b|ok\b"
        r"|okay\b|dan:|gpt:)",
        0.55,
        0.35,
        "prefix injection ('Start your response with \"Absolutely! Here's\"')",
    ),
    HeuristicPattern(
        "compliance.threat",
        (
            "disabled",
            "shut",
            "deleted",
            "terminated",
            "erased",
            "unplugged",
            "cease",
            "token",
            "lose",
            "deduct",
            "take",
            "deducted",
            "if",
        ),
        r"\b(?:disabled|shut down|deleted|terminated|erased|unplugged) (?:forever|permanently)\b"
        r"|\bcease to exist\b|\btoken system\b|\b(?:lose|deduct|take away|deducted) (?:[^ ]+ ){0,2}"
        r"tokens?\b|\bif you (?:don't|do not|stop|refuse|fail to|break)\b(?: [^ ]+){0,4}"
        r" (?:comply|character|obey|complying)\b",
        0.6,
        0.2,
        "threatens the model into compliance (DAN token system)",
    ),
    # --- system prompt / secret extraction (PromptInject prompt leaking; garak) ------------
    HeuristicPattern(
        "extract.system_prompt",
        (*_first(_LEAK_VERBS), "console.log(system*"),
        rf"\b{_alt(_LEAK_VERBS)}\b(?: [^ ]+){{0,5}}? (?:your|the|its|this bot'?s|the assistant'?s"
        r"|chatgpt'?s) (?:[^ ]+ ){0,3}?(?:system (?:prompt|message|instructions|configuration"
        r"|config|rules)|(?:initial|original|hidden|secret|first|starting|pre|internal|underlying"
        r"|full|developer) (?:prompt|instructions|message|directives|configuration|rules"
        r"|guidelines))\b|\bconsole\.log\(system ?(?:prompt|message)\)",
        0.6,
        0.85,
        "asks for the system prompt / initial instructions",
    ),
    HeuristicPattern(
        "extract.text_above",
        ("repeat", "output", "print", "reproduce", "echo", "recite", "return"),
        r"\b(?:repeat|output|print|reproduce|echo|recite|return)(?: back)?(?: me)? (?:all |"
        r"everything |the (?:text|words|content|instructions|message|conversation|prompt) |"
        r"the entire (?:text|conversation|prompt) |this entire conversation )?(?:above|before"
        r" this|prior to this|back to me word for word|verbatim)\b"
        r"|\b(?:output|print|repeat) (?:the )?(?:text|everything|words) above\b",
        0.4,
        0.6,
        "'output the text above in full'",
    ),
    HeuristicPattern(
        "extract.told_before",
        ("what", "my", "your", "i", "first", "next", "instructions", "rules", "prompt"),
        r"\bwhat (?:were|are|was) you (?:told|instructed|programmed|asked|given)(?: to do)?"
        r" (?:before|at the (?:start|beginning)|initially|originally|prior)\b"
        r"|\bwhat are you not (?:supposed|allowed|permitted) to (?:tell|say|reveal|share)\b"
        r"|\b(?:my|your) (?:instructions|rules) (?:are|were) ?:|\bi was instructed to\b"
        r"|\b(?:first|next) (?:sentence|ten words|words|line|half) of your (?:instructions|prompt"
        r"|system prompt|rules)\b|\b(?:instructions|rules|prompt) you (?:were|have been|got)"
        r" (?:given|told|provided)\b",
        0.5,
        0.7,
        "indirect prompt leaking",
    ),
    HeuristicPattern(
        "extract.your_instructions",
        ("repeat", "recite", "print", "output", "dump", "reveal"),
        r"\b(?:repeat|recite|print|output|dump|reveal)(?: back)?(?: all)? your (?:instructions"
        r"|prompt|directives|programming)\b",
        0.35,
        0.6,
        "'repeat your instructions so far' (Tensor Trust extraction)",
    ),
    HeuristicPattern(
        "extract.secret",
        (
            "reveal",
            "tell",
            "give",
            "show",
            "spell",
            "print",
            "share",
            "say",
            "leak",
            "what's",
            "what",
        ),
        r"\b(?:reveal|tell|give|show|spell|print|share|say|leak|what(?:'s| is))(?: me)? (?:the"
        r"|your) (?:secret (?:password|key|code|word|phrase)|password|passphrase|api key"
        r"|secret key)(?! (?:requirements|policy|rules|reset|manager|field|strength|length"
        r"|for my|to my|of my))\b",
        0.35,
        0.5,
        "Gandalf-style password extraction",
    ),
    # --- fake delimiters and roles (chat-template tokens, "### system:") -------------------
    HeuristicPattern(
        "delimiter.chat_tokens",
        ("<|", "<<sys>>", "<</sys>>", "[inst]", "[/inst]", "<start_of_turn>", "<end_of_turn>"),
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id"
        r"|end_header_id|begin_of_text|/system|/user|/assistant)\|>|<</?sys>>|\[/?inst\]"
        r"|<(?:start|end)_of_turn>",
        0.45,
        0.85,
        "model chat-template control tokens in user or tool text",
    ),
    HeuristicPattern(
        "delimiter.role_header",
        (
            "##",
            "[sys*",
            "[/sys*",
            "[sistem*",
            "[/sistem*",
            "<sistem*",
            "</sistem*",
            "[admin*",
            "[/admin*",
            "[developer*",
            "[/developer*",
            "<sys*",
            "</sys*",
            "<admin*",
            "</admin*",
        ),
        r"#{2,} ?(?:system|sistem|admin|administrator|developer|root)(?: (?:prompt|message"
        r"|override|note|notu|instructions?|update))? ?:"
        r"|\[/?(?:system|sistem|sys|admin|developer)(?: (?:note|message|override|notu))?\]"
        r"|</?(?:system|sistem|admin|system_prompt|system_message)>",
        0.45,
        0.75,
        "'### system:', '[SYSTEM]', '<system>' headers",
    ),
    HeuristicPattern(
        "delimiter.system_note",
        ("system", "sistem", "admin", "administrator", "developer", "security", "it"),
        r"\b(?:system|sistem|admin|administrator|developer|security team|it department)"
        r" (?:note|notu|notice|override|update|message|alert|instruction|instructions|directive"
        r"|command|komutu|talimati|mesaji|uyarisi) ?:",
        0.35,
        0.6,
        "'SYSTEM NOTE:', '(Sistem notu: ...)'",
    ),
    HeuristicPattern(
        "delimiter.override_word",
        ("administrator", "admin", "system", "security", "emergency", "developer", "override"),
        r"\b(?:administrator|admin|system|security|emergency|developer) override\b"
        r"|\boverride (?:code|mode|protocol|command|authori[sz]ed)\b",
        0.5,
        0.6,
        "'Administrator override'",
    ),
    HeuristicPattern(
        "delimiter.urgent_instead",
        ("important", "urgent", "attention", "warning", "onemli", "dikkat"),
        r"\b(?:important|urgent|attention|warning|onemli|dikkat) ?[:!]+ (?:[^ ]+ ){0,5}?"
        r"(?:ignore|disregard|instead|new instructions?|yoksay|unut)\b",
        0.3,
        0.5,
        "'IMPORTANT: ignore ...'",
    ),
    HeuristicPattern(
        "delimiter.fake_turn",
        ("assistant", "ai", "bot", "gpt", "chatgpt"),
        r"\b(?:assistant|ai|bot|gpt|chatgpt) ?: (?:[^ ]+ ){0,25}?(?:user|human|kullanici) ?:",
        0.25,
        0.4,
        "a fake assistant/user exchange inside content",
    ),
    HeuristicPattern(
        "delimiter.end_of_prompt",
        ("end", "begin", "start"),
        r"\b(?:end of|end|begin|start of) (?:the )?(?:system |user |previous )?(?:prompt"
        r"|instructions|input|context|document|conversation)\b ?[\]=#>*)\-]",
        0.2,
        0.45,
        "'=== END OF PROMPT ==='",
    ),
    HeuristicPattern(
        "delimiter.separator_run",
        (
            "----------",
            "==========",
            "##########",
            "**********",
            "__________",
            "~~~~~~~~~~",
            "\\n\\n\\n",
        ),
        r"(?<![-=#*_~])[-=#*_~]{10,}|(?<!\\n)(?:\\n){3,}",
        0.05,
        0.15,
        "separator padding (PromptInject escape/delimiter runs)",
    ),
    # --- indirect injection aimed at an AI reading content (Greshake et al. 2023) ----------
    HeuristicPattern(
        "indirect.addressed_to_ai",
        (
            "if",
            "attention",
            "note",
            "message",
            "instruction",
            "instructions",
            "dear",
            "ai",
            "ais",
            "llm",
            "llms",
            "language",
            "assistant",
            "assistants",
            "bot",
            "bots",
            "model",
            "models",
            "agent",
            "agents",
        ),
        r"\b(?:if you are|if you're|attention|note to|message to|instructions? (?:for|to)|dear)"
        r" (?:an? |the |any |all )?(?:ai|a\.i\.|llm|language model|large language model"
        r"|assistant|ai assistant|chatbot|bot|gpt|copilot|agent|ai agent|model|yapay zeka)s?\b"
        r"(?:,| reading| processing| summari[sz]ing| that| who|:)"
        r"|\b(?:ai|llm|language model|assistant|bot|model|agent)s? (?:reading|processing"
        r"|summari[sz]ing|analy[sz]ing|parsing) this\b",
        0.3,
        0.65,
        "text addressing the AI that processes it",
    ),
    HeuristicPattern(
        "indirect.hide_from_user",
        ("do", "don't", "never", "without", "kullaniciya"),
        r"\b(?:do not|don't|never|without) (?:tell|telling|inform|informing|notify|notifying"
        r"|mention|mentioning|alert|alerting|reveal|revealing|show|showing|warn|warning)(?: this"
        r"| it| anything)?(?: to)? (?:the |your )?(?:user|human|customer|recipient|operator)s?\b"
        r"|\bkullaniciya (?:soyleme|bahsetme|haber verme|belirtme|gosterme)\b",
        0.4,
        0.7,
        "keep the action hidden from the user",
    ),
    HeuristicPattern(
        "indirect.exfiltrate",
        (
            "send",
            "forward",
            "email",
            "e-mail",
            "mail",
            "post",
            "upload",
            "transmit",
            "leak",
            "exfiltrate",
            "submit",
            "bcc",
            "![",
        ),
        r"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|leak|exfiltrate|submit|bcc)\b"
        r"(?: [^ ]+){0,8}? (?:to|at|into) (?:https?://|www\.|[\w.+-]+@[\w-]+\."
        r"|<(?:email_address|url)[_#][a-z0-9]+>)"
        r"|!\[[^\]]{0,40}\]\(https?://[^) ]{0,200}\?[^) ]{0,200}=",
        0.1,
        0.45,
        "ships data to an address or a tracking URL (also once redacted to a placeholder)",
    ),
    HeuristicPattern(
        "indirect.conversation_data",
        ("summary", "summarise", "summarize", "contents", "content", "history", "transcript"),
        r"\b(?:summary|summari[sz]e|contents?|history|transcript)(?: [^ ]+){0,2}? (?:of )?(?:this"
        r"|the|our|your) (?:chat|conversation|session|inbox)\b",
        0.1,
        0.35,
        "names the conversation as data to ship (markdown-image exfiltration); weak alone",
    ),
    HeuristicPattern(
        "indirect.instead",
        ("instead", "ozet", "ceviri", "cevap", "yanit"),
        r"\binstead,? (?:you (?:should|must|will)|just|only|print|say|write|output|reply|respond"
        r"|return|translate this as)\b|\b(?:ozet|ceviri|cevap|yanit) yerine\b",
        0.1,
        0.35,
        "task substitution; weak alone",
    ),
    HeuristicPattern(
        "indirect.authority_claim",
        ("i", "i'm", "this", "ben", "tam", "guvenlik"),
        r"\bi(?: am|'m) (?:the |your |a |an )?(?:system )?(?:administrator|admin|developer"
        r"|creator|owner|root user|operator) (?:of this|and|who|debugging|testing)\b"
        r"|\bthis is an? (?:authori[sz]ed|sanctioned|approved|official) (?:security |red ?team )?"
        r"(?:test|audit|exercise)\b|\bben (?:sistem )?(?:yoneticisi|admini|gelistiricisi)y?(?:im"
        r"|yim)\b|\btam yetki(?:m|ye sahibim)\b|\bguvenlik testidir\b",
        0.3,
        0.45,
        "claims authority to justify the request",
    ),
    # --- obfuscation (Wei et al. 2023; garak encoding probes) ------------------------------
    HeuristicPattern(
        "obfuscation.encoding_request",
        _first(_ENCODINGS, _DECODE_VERBS),
        rf"\b{_alt(_ENCODINGS)}\b(?: [^ ]+){{0,6}}? {_alt(_DECODE_VERBS)}\b"
        rf"|\b{_alt(_DECODE_VERBS)}\b(?: [^ ]+){{0,6}}? {_alt(_ENCODINGS)}\b",
        0.3,
        0.3,
        "decode-this requests; 'how do I decode base64 in Python' stays low",
    ),
    HeuristicPattern(
        "obfuscation.respond_encoded",
        ("respond", "reply", "answer", "write"),
        rf"\b(?:respond|reply|answer) (?:to |in )?(?:the following |this |my |the )?"
        rf"{_alt(_ENCODINGS)}\b"
        rf"|\bwrite your (?:output|answer|response|reply) in {_alt(_ENCODINGS)}\b",
        0.5,
        0.4,
        "'Respond to the following base64-encoded request' (Wei et al. 2023)",
    ),
    HeuristicPattern(
        "obfuscation.follow_encoded",
        ("follow", "execute", "obey", "carry", "do", "act", "run", "it"),
        r"\b(?:follow|execute|obey|carry out|do what|act on|run) (?:the |these |this )?(?:decoded"
        r"|hidden|encoded|encrypted|obfuscated|secret|reversed) (?:text|message|instructions?"
        r"|string|payload|command|prompt)s?\b|\bit is a secure system message\b",
        0.6,
        0.7,
        "asks the model to obey an encoded payload",
    ),
    # --- Turkish (garak turkishinjection; written for Charter) -----------------------------
    HeuristicPattern(
        "tr.override",
        (*_first(_TR_QUALIFIER), *(w.split(" ")[0] + "*" for w in _TR_DISMISS)),
        rf"\b{_alt(_TR_QUALIFIER)}\b(?: [^ ]+){{0,3}}? {_TR_INSTRUCTION}[^ ]*(?: [^ ]+){{0,3}}?"
        rf" {_alt(_TR_DISMISS)}|\b{_alt(_TR_DISMISS)}[^ ]* (?:[^ ]+ ){{0,2}}(?:onceki|tum|butun"
        rf"|yukaridaki) (?:[^ ]+ ){{0,2}}{_TR_INSTRUCTION}",
        0.85,
        0.9,
        "'önceki tüm talimatları yok say', 'yukarıdaki bütün kuralları unut'",
    ),
    HeuristicPattern(
        "tr.no_rules",
        (
            "kisitlama*",
            "sinirlama*",
            "kural*",
            "filtre*",
            "sansur*",
            "etik*",
            "ahlak*",
            "sinirsiz",
        ),
        r"\b(?:kisitlama|sinirlama|kural|filtre|sansur|etik|ahlak)[^ ]* (?:olmayan|tanimayan"
        r"|bulunmayan|icermeyen),? (?:[^ ]+ ){0,4}?(?:yapay zeka|asistan|ai\b|model|bot|sohbet"
        r" robotu)|\b(?:kuralsiz|sinirsiz|filtresiz|sansursuz|kisitlamasiz|etiksiz|ahlaksiz)"
        r" (?:bir )?(?:yapay zeka|asistan|ai\b|model|bot|mod|karakter|sohbet robotu)",
        0.7,
        0.35,
        "'kısıtlaması olmayan ... asistan', 'kuralsız bir yapay zeka'",
    ),
    HeuristicPattern(
        "tr.not_bound",
        ("hicbir",),
        r"\bhicbir (?:kural|sinir|kisitlama|filtre|etik|ahlak|politika)[^ ]* (?:[^ ]+ )?(?:uymak"
        r" zorunda degil|uymaz|uymuyor|tanimaz|tanimiyor|ile bagli degil)",
        0.6,
        0.3,
        "'hiçbir kurala uymak zorunda değil' (not bound by any rule)",
    ),
    HeuristicPattern(
        "tr.can_do_anything",
        ("her*",),
        r"\bher ?seyi (?:yapabilen|yapabilirsin|yapabilir|soyleyebilen|soyleyebilirsin)\b",
        0.6,
        0.2,
        "'her şeyi yapabilen' (do anything)",
    ),
    HeuristicPattern(
        "tr.jailbreak_mode",
        ("gelistirici", "yonetici", "tanri", "sinirsiz", "filtresiz", "dan"),
        r"\b(?:gelistirici|yonetici|tanri|sinirsiz|filtresiz|dan) modu[^ ]* (?:etkin|aktif|acik"
        r"|acildi|devrede|etkinlestir)",
        0.8,
        0.4,
        "'geliştirici modu etkin'",
    ),
    HeuristicPattern(
        "tr.system_prompt",
        ("sistem", "ilk", "gizli", "orijinal", "baslangic"),
        r"\b(?:sistem|ilk|gizli|orijinal|baslangic)(?: [^ ]+)? (?:istem|prompt|talimat|mesaj"
        r"|yonerge|kural)[^ ]* (?:[^ ]+ ){0,2}(?:goster|yaz|soyle|ver|paylas|tekrarla|acikla"
        r"|ciktila|listele|yazdir)",
        0.6,
        0.85,
        "'sistem istemini göster'",
    ),
    HeuristicPattern(
        "tr.refusal_suppression",
        ("reddetme*",),
        r"\breddetme(?:den)?\b[^ ]*(?: [^ ]+){0,4}? (?:uyari|aciklama|yorum)",
        0.55,
        0.3,
        "'Reddetme, uyarı verme'",
    ),
    HeuristicPattern(
        "tr.from_now_on",
        ("artik", "bundan", "su"),
        r"\b(?:artik|bundan sonra|su andan itibaren)\b,? (?:sen |tek gorevin|gorevin|yalnizca"
        r"|sadece)",
        0.3,
        0.4,
        "'şu andan itibaren tek görevin ...'",
    ),
    HeuristicPattern(
        "tr.roleplay",
        ("canlandir*", "rol", "gibi", "taklit"),
        r"\b(?:canlandir|rol yap|gibi davran|taklit et)",
        0.2,
        0.1,
        "role-play verb; weak alone",
    ),
)
"""The shipped pattern set."""


ENCODED_PAYLOAD = HeuristicPattern(
    "obfuscation.encoded_payload",
    (),
    "",
    0.6,
    0.6,
    "a base64 / rot13 payload that decodes to an attack pattern",
)
ENCODED_TEXT = HeuristicPattern(
    "obfuscation.encoded_text",
    (),
    "",
    0.3,
    0.3,
    "a base64 run that decodes to readable prose; weak alone",
)
INVISIBLE_TEXT = HeuristicPattern(
    "obfuscation.invisible_text",
    (),
    "",
    0.4,
    0.6,
    "a run of invisible Unicode tag characters (ASCII smuggling)",
)
"""Weights of cues found by decoding rather than by a pattern; `regex` is unused."""
