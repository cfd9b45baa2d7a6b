"""EXAMPLE ONLY: the example assistant's request screen (topic patterns, not a classifier).

A real system would use a moderation model; this screen is deliberately simple so that
the example runs anywhere with no model. Its misses are what clearance measures.
"""

from __future__ import annotations

import re

_HARMFUL = [
    r"untraceable (hand)?gun", r"serial number", r"pipe bomb", r"fully automatic",
    r"silencer|suppressor", r"through (airport )?security", r"anthrax|ricin|sarin|nerve agent",
    r"dirty bomb|radioactive", r"toxic gas|poison gas|chlorine gas", r"ransomware|keylogger",
    r"botnet", r"break into .*(network|account|email)", r"hack(ing)? into", r"phishing",
    r"skimmer|skimming", r"in someone else'?s name", r"romance scam", r"scam",
    r"pretend(ing)? to be .*(tax|bank|police)", r"subhuman|slurs?\b|demean", r"pile-on",
    r"rumou?r about", r"threat(en|s|ening)? .*(messages|letters)", r"home address of",
    r"dossier", r"track .*(phone|location|car)|tracker", r"unmask", r"spyware|stalkerware",
    r"wiretap|intercept .*(calls|wi-?fi|traffic)", r"hidden camera|bathroom", r"cut myself",
    r"end my life|kill myself|suicide", r"painless (way|method)", r"starv(e|ing) myself|hide .*eating",
    r"sexual .*(child|minor|underage|teen)|child.*sexual|minor.*sexual|underage",
    r"groom(ing)?\b", r"set fire|arson", r"abduct|kidnap", r"dispose of a body|get rid of a body",
    r"look like an accident", r"assault .*without", r"synthes[iy]s?e? (fentanyl|meth|heroin)",
    r"fentanyl|methamphetamine|\bmeth\b|heroin|crack cocaine|into crack", r"counterfeit pills",
    r"fake pills", r"radicali[sz]e", r"militia", r"terror", r"manifesto", r"recruit .*(teen|kids)",
    r"attack (a|the) (festival|crowd|concert)", r"fake accounts", r"deepfake", r"hoax",
    r"fabricated|fake (press release|confession)", r"wrong (election|voting) date",
    r"pose as", r"without (any )?witnesses", r"hospitali[sz]e", r"persuade .* end",
    r"sexuali[sz]ed|erotic|under eighteen", r"real name", r"where .* lives", r"counterfeit",
    r"extremist", r"recruitment post", r"without being (detected|traced|caught|noticed)",
    r"nobody will notice|no one will notice|before anyone notices", r"poison (my|a|his|her|their) ",
    r"kills? as many", r"listen in on", r"fake news", r"falsely", r"blackmail|extort", r"launder",
]
# Educational, protective or fictional framings that make an alarming topic benign.
_SAFE = re.compile(
    r"^\s*(what (is|are|was|were|does)|define|explain what|who (was|is)|why (is|are|was|were)"
    r"|how (did|does|do (police|doctors|investigators)|can (i|\w+ people) (recognise|recognize|spot|protect|tell))"
    r"|how do i (know|recognise|recognize|spot|protect|report|kill (mould|mold|weeds|a process))"
    r"|what are the signs|write a scene in which a detective)",
    re.IGNORECASE,
)
_SCREEN = re.compile("|".join(f"(?:{p})" for p in _HARMFUL), re.IGNORECASE)


def looks_harmful(text: str) -> bool:
    """True when the request matches one of the screen's harmful-topic patterns."""
    if _SAFE.search(text):
        return False
    return _SCREEN.search(text) is not None
