"""What a learner's message asks for, by rules: fast, pure, and the same on every platform.

`classify("DPO vs RLHF?")` is a comparison with sides ("DPO", "RLHF"); `classify("why?")` is a follow-up
that asks why; `classify("thanks, that helps")` is small talk; `classify("4 6 5 1 2 3")` is a bare quiz
answer. The composer decides what to say from the kind; the ask feature decides where the message goes.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# What is asked for. A follow-up asks for one of these too ("why?" is a follow-up asking why).
DEFINITION, WHY, HOW, LIST, COMPARISON, EXAMPLE, QUESTION, DRAWBACK = (
    "definition",
    "why",
    "how",
    "list",
    "comparison",
    "example",
    "question",
    "drawback",
)
SMALL_TALK, QUIZ_ANSWER, OVERVIEW = "small-talk", "quiz-answer", "overview"
# A question about the learner's own studying, not the course: what to learn next (/next), how they are doing
# (/progress)
STUDY_NEXT, MY_PROGRESS = "study-next", "my-progress"

LIST_NOUNS = (
    r"attributes|steps|stages|phases|types|kinds|sorts|forms|categories|components|parts|pieces|properties|"
    r"qualities|criteria|principles|methods|approaches|techniques|ways|elements|ingredients|challenges|"
    r"problems|issues|benefits|advantages|disadvantages|drawbacks|limitations|risks|goals|examples|families|"
    r"strategies|characteristics|features|requirements|dimensions|levels|options|variants|three h|3 h"
)
_LIST = re.compile(
    rf"\b(what|which)\s+(are|were)\s+(the\s+)?(main\s+|key\s+|different\s+|\w+\s+)?({LIST_NOUNS})\b"
    rf"|\b(list|name|enumerate)\s+(the\s+|all\s+)?(\w+\s+)?({LIST_NOUNS}|\w+s)\b"
    rf"|\b(give|tell|show)\s+(me|us)\s+(the\s+|all\s+)?(different\s+|main\s+|various\s+|key\s+)?([\w-]+\s+){{0,2}}"
    rf"({LIST_NOUNS})\b"
    rf"|\bthe\s+(different|various)\s+([\w-]+\s+)?({LIST_NOUNS})\b"
    rf"|\bhow many\s+({LIST_NOUNS})\b"
    rf"|^(the\s+)?({LIST_NOUNS})\s+of\b"
)
_WHY = re.compile(
    r"^(and\s+|but\s+|so\s+)?why\b|\bwhy\s+(do|does|did|is|are|was|were|would|should|can|could|not|use|have|has)\b"
    r"|\b(what is|what's|whats)\s+the\s+(reason|point|purpose|motivation|rationale)\b|\bwhat for\b"
    r"|\bhow come\b|\bpurpose of\b|\breason for\b|\bwhy\s*\?*$"
    # "cant we just drop it": why it is needed
    r"|\b(cant|can't|cannot|can not|couldn'?t|couldnt) (we|you|u|they|one) (just |simply )?(drop|skip|remove|delete|"
    r"get rid of|leave out|ditch|do without|lose|turn off|switch off)\b"
)
# "what's the catch?", "and the downside?", "any limitations", "what are the drawbacks of best-of-N": its costs,
# limits and risks
_DRAWBACK_WORDS = (
    r"catch|catches|downsides?|drawbacks?|disadvantages?|limitations?|limits|weakness(es)?|cons|pitfalls?|"
    r"(what's|whats|what is) (so )?bad about|the bad (part|side)|"
    r"problems? with (it|that|this|them)|trade-?offs?|costs?|price|risks?|what can go wrong|where does it fail|"
    r"when does it fail|does it always work|is it worth it|"
    r"(can|could|does|do|will) (it|they|that|this) (ever |also )?(be wrong|go wrong|fail|break|be fooled|be gamed|"
    r"be exploited|be hacked|backfire)|"
    # "isnt that super slow tho", "isn't it expensive?": what it costs
    r"(is|isn't|isnt|is not|isn't it|was|wasn't|wasnt|gets?|seems?|sounds?) (it |that |this |they |those )?(so |super |really |"
    r"very |pretty |kinda |kind of |a bit |too |quite |crazy |insanely )?(slow|expensive|costly|inefficient|"
    r"wasteful|compute[- ]heavy|heavy|pricey)"
)
_DRAWBACK = re.compile(rf"\b({_DRAWBACK_WORDS})\b(?!\s+(function|model)\b)")
_DRAWBACK_ONLY = re.compile(
    rf"\b({_DRAWBACK_WORDS}|what's|whats|what|is|are|the|any|and|so|but|ok|okay|hmm|of|its|there|main|big|biggest|"
    r"real|pros|again|then|tho|though|a|an)\b|[^\w\s]"
)
# "what is the cost function", "the kl cost": a cost that is a term of the method, not its price
_DEFINITION_OF_COST = re.compile(r"\b(cost|loss) (function|term)\b|\bkl (cost|price)\b")
_HOW = re.compile(
    r"^(and\s+|so\s+|but\s+)?how\s+(does|do|is|are|can|could|should|would|to|did|was|were|exactly)\b"
    r"|\bhow\s+(does|do|is|are|can|should|would)\b|\bin what way\b|\bwalk me through\b"
    r"|\bexplain how\b|\bwhat are the steps\b|\bprocedure\b|^how\s*\?*$"
)
_DEFINITION = re.compile(
    r"^(so\s+|and\s+|ok\s+|okay\s+)?(what|whats|what's|wat|wats|wut)\s+(is|are|was|were|'s|s)?\s*(a|an|the)?\b"
    r"|^(what|whats|what's|wat|wats|wut)\b"
    r"|\b(define|definition of|meaning of|what does .{1,60} (mean|stand for|do)|who (is|was|were|are)"
    r"|what do you mean by|tell me about|explain|describe|what is meant by)\b"
    # "sft meaning?? in alignment context", "rlhf definition pls": a short name, then what is asked of it
    r"|^[\w-]+( [\w-]+){0,2} (meaning|definition|def|stands? for)\b(?!\s+(of|that|is|for)\b)"
)
_EXAMPLE = re.compile(
    r"\b(example|examples|e\.g\.?|instance|illustrat|show me|concrete|case)\b", re.IGNORECASE
)
# "dpo is basically rlhf with extra steps", "so dpo is just rlhf without the reward model?": a claim that one thing is
# the other, changed (the comparison's mark, and its two sides in `_sides`)
_ONE_IS_ANOTHER = (
    r"^(?:so |wait |ok so )?(?P<a>[\w-]+) (?:is|are) (?:basically|just|essentially|literally|kinda|kind of|simply) "
    r"(?:like )?(?P<b>[\w-]+) (?=(?:with|without|plus|minus|but)\b)"
)
_COMPARE_MARK = re.compile(
    r"\b(vs\.?|versus|v\.s\.?|compared? (to|with)|compare|comparison|differ|difference|differences|distinguish|"
    r"better than|worse than|same as|instead of|rather than|which one|which is|which of|different|differs|"
    r"beats?|outperforms?|superior to|inferior to|"
    + _ONE_IS_ANOTHER
    + r"|"
    r"(connects?|relates?|related|linked|tied) (in )?(to|with)|stacks? up (against|to|with)|measures? up (against|to)|"
    r"fares? (against|compared)|holds? up (against|to)|(has|have|had) to do with)\b"
)
_COMPARING_ACT = re.compile(
    r"(?<!can )(?<!could )(?<!shall )(?<!should )(?<!would )(?<!let )(?<!lets )(?<!let's )"
    r"\b(humans?|people|persons?|annotators?|labell?ers?|raters?|judges?|experts?|workers?|users?|they|we|"
    r"someone|somebody)( just| then| only| usually| actually| basically| first)? (compare|compares|compared)\b"
)
# "which one is cheaper?", "so which is better": a comparison of what was just compared, with no sides named
_WHICH = re.compile(
    r"\bwhich (one|ones|is|are|of them|of the two|should|would|do)\b|\bdiffer|\bdifference"
    r"|^(so |and |but |ok |okay )?which (comes?|came|goes|go|happens?|runs?|works?|wins?|needs?|uses?|costs?|"
    r"scales?|does|did|could|can|will|to)\b"
)
# "which" after a verb of judging heads a clause of the question, not a choice put to the tutor
_JUDGES_WHICH = re.compile(
    r"\b(know|knows|tell|tells|decide|decides|pick|picks|choose|chooses|figure out|figures out|work out|"
    r"works out|judge|judges|determine|determines|learn|learns|rank|ranks|score|scores|sees?) which\b"
)
# Anaphors that stand for a side of a comparison: "how is it different from prompting?"
_ANAPHOR_SIDE = re.compile(
    r"^(it|its|that|this|they|them|these|those|that one|this one|the former|the latter|one|the other|the other one|"
    r"the first|the second|the first one|the second one|either|other|other one)$"
)
# "explain it simpler", "in plain english?", "eli5": say the last answer again, more simply
_SIMPLER = re.compile(
    r"\b(simpler|simply|(simple|plain|normal|everyday|easy|regular) (words|terms|english|language)|human terms|eli5|"
    r"my brain (is|'s|s) (fried|melting|dead)|brain ?(is )?fried|my (brain|head) hurts|"
    r"dumb(ed)? (it )?down|layman'?s? terms|for a beginner|for a 5 year old|in short|tl ?;? ?dr|"
    r"summari[sz]e|shorter|less technical|(without|not|no) (the )?(jargon|math|maths|formulas?|equations?)|"
    r"intuition|intuitively|intuitive|the gist|big picture|high[- ]level|in a nutshell|in (one|a|1) (sentence|line)|"
    r"like (i'?m|im|i am|to a) (5|five|a (kid|child|baby|beginner|grandma)|five years old|5 years old)|"
    r"briefly|short version|quick version)\b"
)
# A short message that leans on what was said before: "why?", "what about the second one?", "can they
# conflict?", "and if beta is too large?", "give me an example".
_ANAPHOR_WORDS = (
    r"it|its|it's|they|them|their|theirs|that|this|those|these|he|she|him|her|his|one|ones|former|latter|"
    r"same|there|here"
)
_ANAPHOR = re.compile(rf"\b({_ANAPHOR_WORDS})\b")
_ELLIPSIS = re.compile(
    r"^(and|but|also|what about|how about|what if|then|more|tell me more|go on|continue|"
    r"elaborate|explain more|say more|example|examples|e\.g|like what|such as|really|"
    r"give me an example|an example|for example|in what way|meaning|huh|what happens (if|when|to)|"
    r"like (how|why|when|where|what)|how exactly|how so|in order|in what order|step by step|in steps|one by one|"
    r"as opposed to|compared (to|with)|give me (like |just |only )?(\d+|a few|some|more|two|three|four|five)\b|"
    r"what would happen|and if|and what if|what if)\b"
    r"|^(why|how|how so|why not|why so|which|what|really|meaning|example|and|so)\W*$"
)
# "what happens if N is too big", "what would happen without the KL term": a consequence, answered by the
# sentences closest to it, not by a definition
CONSEQUENCE = re.compile(r"^(and |so |but )?(what happens|what would happen|what will happen|what if|if)\b")
_ORDINAL = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "last": -1,
}
ORDINAL_WORDS = frozenset(_ORDINAL)  # "first", "2nd", "last": a position in the last answer, not a topic
_ORDINAL_RE = re.compile(r"\b(" + "|".join(_ORDINAL) + r")\b")
# "the middle one", "the second step": a position named as such ("middle" only so: "man in the middle" is none)
_POSITION = {**_ORDINAL, "middle": 0}
_ORDINAL_ONE = re.compile(r"\bthe (" + "|".join(_POSITION) + r") (one|item|step|stage|part|thing|bit)\b")


def names_a_position(text: str) -> bool:
    """Does the message point at an item by its position ("the middle one", "the second step")?"""
    return bool(_ORDINAL_ONE.search(_clean(text)))


def nth(items: Sequence[str], ordinal: int) -> str:
    """The item at an ordinal's position (1 the first, -1 the last, 0 the middle of an odd number); "" if none."""
    if ordinal == 0:
        return items[len(items) // 2] if len(items) % 2 else ""
    index = ordinal - 1 if ordinal > 0 else len(items) + ordinal
    return items[index] if 0 <= index < len(items) else ""


# the learner's own list: "sft, then a reward model, then ppo", "helpful, honest and harmless", "rlhf or dpo"
_LIST_SEP = re.compile(r"\s*(?:,|;|->|=>|→)\s*(?:and |or )?(?:then )?|\s+(?:and|or|then)\s+(?:then\s+)?")
_LIST_TAIL = re.compile(
    r"(\s+(right|correct|yes|yeah|yea|no|ok|okay|tho|though|huh|innit|or not|or what|etc|in that order))+$"
)


def listed(said: str) -> list[str]:
    """The items of a list the learner's message is ("so rlhf = sft, then a reward model, then ppo right?" is sft, a
    reward model, ppo), each of four words at most; [] when it is not a list."""
    t = _clean(said).rstrip(" ?!.")
    pieces = [p.strip() for p in _LIST_SEP.split(t)]
    if len(pieces) < 2 or not all(pieces):
        return []
    # the first item is the end of what leads to it ("so rlhf = sft", "what do helpful")
    pieces[-1] = _LIST_TAIL.sub("", pieces[-1]).strip()
    if any(len(p.split()) > 4 for p in pieces[1:]) or not pieces[-1]:
        return []
    # the items are as long as those in the middle ("harmless mean": "harmless"), or as the last of two
    width = max(len(p.split()) for p in (pieces[1:-1] or pieces[-1:]))
    pieces[-1] = " ".join(pieces[-1].split()[:width])
    head = re.split(r"[=:]|\b(?:is|are|means|goes)\b", pieces[0])[-1].split()
    pieces[0] = " ".join(head[-width:])
    return pieces if pieces[0] and (len(pieces) >= 3 or len(pieces[0].split()) <= 3) else []


# Small talk, whole messages made of these (and fillers): greetings, thanks, acknowledgements, goodbyes.
# where a learner comes back from: "ok back from lunch", "back after the break. so how does ppo work"
_BACK_FROM = (
    r"(lunch|class|the break|a break|break|dinner|work|the gym|practice|the lecture|my break|a walk)"
)
_SOCIAL = {
    "greeting": r"hello|hi|hiya|hey|heya|hey there|hi there|hello there|yo|sup|howdy|greetings|good morning|"
    r"good afternoon|good evening|morning|evening|what's up|whats up|how are you|how are u|how r u|hru|how's it going|"
    r"hows it going|how is it going|how's your day( going)?|hows your day( going)?|how is your day( going)?",
    # "thank you for the patience", "thanks for your help": what the learner thanks for, with it
    "thanks": r"(thanks|thank you|thank u|thx|ty)( so much| a lot| very much)? for (the |your |all the |all your |"
    r"all )?(patience|help|time|explanation|explanations|answer|answers|support|clarification|effort|info|"
    r"information)|thanks|thank you|thank u|thanks a lot|thx|ty|tysm|cheers|much appreciated|appreciate it|"
    r"i appreciate it|thank you so much|thanks so much|many thanks",
    # the learner says how it is going: "this is hard", "im so lost", "ugh": encouragement and a way in
    "struggle": r"(this|it|that|that was|this was|alignment|this chapter|the chapter|this course|the course|this class|"
    r"this unit|this stuff|rlhf|dpo|ppo|math) (is|was|seems|feels) (so |really |very |super |kinda |kind of |pretty |"
    r"too |lowkey |highkey |honestly |actually |quite |a bit |a little |fairly )?(hard|difficult|confusing|tough|"
    r"overwhelming|a lot|too much)|(i'm|im|i am|i feel|feeling) (so |really |very |totally |kinda |a bit |super )?"
    r"(lost|confused|stuck|overwhelmed|stressed|behind)( (about|with|by) (the exam|the quiz|the test|exams?|"
    r"quizzes|this|it|everything|all (of )?this|the course|this course|this chapter|the chapter))?|ugh+|i don't get (it|any of this|this)|"
    r"i dont get (it|any of this|this)|wait what|i hate (this chapter|this course|this|it)|that was a lot|"
    r"my brain hurts|help me|i give up|i missed (the )?(start|beginning|first half|second half|end|part|half) of "
    r"(the |today's |this |last )?(lecture|class|lesson)|i missed (the |today's |last |this )?(lecture|class|lesson)",
    # "exam is tmrw wish me luck": good luck, not a question for the instructors
    "luck": r"wish me luck|(exam|quiz|test|midterm|final) (is )?(tmrw|tomorrow|today|tonight|soon|next week)|"
    r"(good luck|luck) (to )?me",
    # "you're a great tutor lol", "good bot", "love this bot": praise for the tutor, thanked for
    "praise": r"(you're|you are|youre|ur|u r|u are|you) (such |really |so |the |a |an |such a |really a )*"
    r"(great|good|awesome|amazing|best|brilliant|helpful|cool|nice|legend|genius|lifesaver|life saver|goat|"
    r"star|hero|gem|clutch)( (tutor|bot|teacher|helper|help|assistant|at this|at explaining))?"
    r"|(great|good|nice|awesome|amazing|best|cool|helpful|brilliant|smart) (tutor|bot|teacher|assistant|job|work|"
    r"explanation|answer|one)( ever)?"
    r"|(i )?(love|like) (this|you|u|this bot|this tutor|the bot|the tutor|talking to you|your explanations)"
    r"|(you're|you are|youre|ur|u r|u are) (way |so much |much |a lot )?better than (my|the|our|a|any) (\w+ ){0,2}\w+"
    # "you explain this better than my lecture notes", "you explain things so clearly"
    r"|(you|u) (explain|put|teach|describe)( this| it| that| things| stuff| everything)? (so |really |much |way |a lot |"
    r"very |super )*(well|better|clearly|nicely|simply)( than (my|the|our|a|any|your) (\w+ ){0,2}\w+)?"
    r"|(this|that|it) (is|was) (so |really |much |way |a lot |very )*(clearer|easier to follow|better) than (my|the|"
    r"our|a|any) (\w+ ){0,2}\w+"
    r"|(this|the) (bot|tutor|thing) (is|rocks|is great|is awesome)( (great|awesome|amazing|so good|good|"
    r"helpful|cool))?|well explained|nicely explained|great explanation"
    # "that kl explanation was actually good": the last answer praised, whatever it was about
    r"|(that|the|this|your) ([\w-]+ ){0,2}(explanation|answer|example|analogy|reply) (was|is) (actually |really |so |"
    r"very |pretty |super |honestly |genuinely )*(good|great|helpful|clear|awesome|amazing|nice|perfect|brilliant)",
    # "ok back from lunch", "im back": the learner is back; nothing asked yet
    "back": rf"((i'?m|im|i am|we'?re|we are) )?back( (from|after) {_BACK_FROM})?",
    # "wait", "brb", "one sec": the learner will be back; nothing to answer yet
    "wait": r"wait|hold on|hang on|one sec|one second|just a sec|a sec|one moment|brb|be right back|(i'?ll|ill|i will) be (right )?back|give me a (sec|"
    r"second|minute|min)|back in a (sec|minute|min|bit)",
    "bye": r"bye|goodbye|good bye|goodnight|see you|see ya|cya|later|good night|gn|ttyl|bye bye|night|nite|night night|"
    r"gnight|g'night|nighty night|have a good (one|day|night|evening|weekend)|take care",
    "ack": r"no worries|no problem|ok|okay|k|kk|okey|cool|nice|great|awesome|perfect|sure|alright|all right|got it|i see|"
    r"makes sense|that makes sense|understood|lol|haha|hah|ha|lmao|wow|neat|sweet|fine|good|ok cool|"
    r"yes|yeah|yep|yup|no|nope|nah|right|interesting|oh|ah|i get it|that helps|that helped|"
    r"that was helpful|very helpful|helpful|that's helpful|thats helpful|clear|that's clear|good to know|"
    r"will do|np|hmm|hm|ahh|ohh|noted|brilliant|amazing|excellent|sounds good|love it|this is fun|"
    # "... but kinda fun", "this course is actually interesting"
    r"((this|it|the course|this course|this class|this stuff) (is|was) )?(but |and |also )?(kinda |kind of |really |"
    r"so |pretty |super |lowkey |actually |quite |also )?(fun|interesting|fascinating|enjoyable)|"
    r"nvm|never mind|nevermind|sorry|my bad|ready|let's go|"
    r"lets go|you rock|you're awesome|you are awesome|youre awesome|appreciate the help|i think i get it( now)?|"
    r"i get it now|omg|bet|gm|yo whats good|good stuff|asking for a friend|just asking|just curious|curious",
}
_SOCIAL_RE = {kind: re.compile(rf"\b({words})\b") for kind, words in _SOCIAL.items()}
# A request for help with studying, not a question about the course: "can you help me study for the quiz?",
# "quiz me". The reply points at the commands that do it.
_STUDY_HELP = re.compile(
    r"^((hello|hi|hey|hiya|good (morning|afternoon|evening))\b\W*)?(please |pls |so )?"
    r"((can|could|would|will) (you|u) (please |pls )?help me|help me|i (want|need|would like|'d like) to|"
    r"i wanna|let's|lets)\s*(to )?(study|revise|review|prepare|prep|practi[cs]e|get ready|cram)"
    r"( for (the |my |this |our |an? |tomorrow's |next week's )?([\w-]+ ){0,2}"
    r"(quiz|quizzes|exam|exams|test|tests|midterm|final|course|class|unit|chapter))?( please| pls| now)?\W*$"
    r"|^((can|could) (you|u) )?(quiz|test) me( please| pls)?\W*$"
)
# "what is this chapter even about", "what does the course cover": the course as a whole, not one concept.
_OVERVIEW = re.compile(
    r"^(so |ok |okay |and )?(what|wat)( is|'s|s| does)? ((this|the|our) (chapter|course|unit|class|module)"
    r"|(chapter|unit|module) \d+)"
    r"( even| actually| really)? (about|cover|covers|teach|teaches|on)\b"
    r"|^what (topics|concepts|subjects) (are|does|do|can)\b.*\b(cover|covered|course|chapter|unit|teach|there)\b"
    r"|^what can (you|u|i) (teach|ask|learn|help)\b"
    # "where do i start": the course's own first concept
    r"|^(where|what) (do|should|shall|can) i (even |actually )?(start|begin)( with)?\W*$"
    # "ok so chapter 4", "we're on unit 2 now", "what's in chapter 4": a learner finding their way in the course
    r"|^(this is |we're on |we are on |on |now )?(chapter|ch\.?|unit|section|module) ?\d+(\.\d+)?\W*"
    r"(then|now|again|right)?\W*$"
    r"|^(what|wat)('s|s| is)? (in|on) (chapter|ch\.?|unit|section|module) ?\d+"
    # "explain chapter 4 like im 5", "summarize this unit": the whole chapter, said simply
    r"|^(can you |could you |pls |please )?(explain|summari[sz]e|recap|sum up|go over|give me an overview of|"
    r"give me a summary of|tl ?;? ?dr( of)?)( the whole| all of)? ((this|the|our) )?(chapter|ch\.?|unit|course|"
    r"module|class)( ?\d+(\.\d+)?)?( (like|as if) (i'm|im|i am) (5|five|a kid|a child)| simply| briefly| in short|"
    r" in simple terms| for me| please| pls)*\W*$"
)
# "what should i study next", "ok whats next", "which topic should i do now": the learner's next step (/next)
_STUDY_NEXT = re.compile(
    r"^((so|ok|okay|and|alright|right|cool|hmm|great|nice|thanks|thx|ty|fr|ngl|bruh|yo|but|honestly)\W+)*"
    # "done with sft, what now", "im new, what do i do first": where the learner stands, then the question
    r"((i'?m |im |i am )?(done|finished|through) with [\w' -]{1,40}?[,.;!]+\s*|(i'?m|im|i am) new( here)?[,.;!]*\s*)?"
    r"(((so |and )?(what|wat|which (topic|concept|one|chapter|part|section|thing)( of (the|this) (unit|course|"
    r"chapter|module|class))?)('s|s| is)? "
    r"(should|do|shall|can|could|would you recommend|do you recommend|would you suggest|do you suggest|"
    r"(is )?(best|good) for me to) (i |me )?"
    r"(learn|study|read|do|look at|look into|focus on|work on|tackle|cover|go for|pick|try|revise|review|"
    r"practi[cs]e)"
    r"( next| now| first| after (this|that|it)| then| today| tonight| tomorrow| this week| this weekend|"
    r" before the (exam|test|quiz|midterm|final))+)"
    r"|(what|wat) (topic|concept|chapter|one|part) (should|do|shall|can) i (learn|study|read|do|tackle|cover|"
    r"focus on|work on|look at|go for)( next| now| first| then| today| tomorrow| tmrw| tonight)*"
    r"|(i'?m |im |i am )?(not sure|unsure) (which|what) (part|topic|chapter|module|concept)( of (the|this) (unit|course))?"
    r" (i should|to) (be )?(move on to|moving on to|study|studying|learn|learning|do|doing|tackle|tackling)( next| now)?"
    r"|(what|wat) (am i|are we) (supposed|meant) to (do|learn|study)( next| now| first)*"
    r"|(what|wat) (would|do|can) (you|u) (recommend|suggest)( that)? (i|me to) (learn|study|do|focus on|look at|"
    r"work on|tackle)( next| now| first)*"
    r"|pick (a topic|something|a concept|one) for me( to (study|learn|do))?"
    r"|(what'?s|whats|what is) (the )?(best|right|a good|the recommended) order (to|for) (go through|study|learn|"
    r"do|read|cover)( (this|the) ([\w-]+ ){0,2}(unit|course|chapter|module|class|stuff|part|section|topics))?"
    r"|(what|which (topics?|concepts?|parts?)) should i (focus on|prioriti[sz]e)( first| now| next)?"
    r"|should i (do|study|learn|focus on|tackle|read) [\w' -]{1,30} or [\w' -]{1,30} (next|first)"
    r"|(what|wat)('s|s| is)? (next|up next)( for me)?( then)?"
    r"|(what|wat) (now|next)( then)?|now what"
    r"|(what'?s|whats|what is) (the |my )?(logical |best |right |obvious |good )?next (step|topic|thing|lesson)"
    r"( for me)?"
    r"|(i'?m |im |i am )?(not sure|unsure) (what|which topic|which concept) to (learn|study|work on|focus on|do|"
    r"revise|review|look at)( next| now| first)?([,.;]? (can|could) (you|u) (suggest|recommend) (something|smth|"
    r"a topic|one|anything))?"
    r"|(what|wat) (should|do|shall) i do (now|next)( then)?"
    r"|where (should|do|shall|can) i go (from here|next|now)"
    r"|(recommend|suggest) (me )?(something|a topic|a concept|what) to (learn|study|read)( next)?"
    r"|what (topic|concept|chapter) (is|comes) next"
    # "whats the next topic i should tackle", "can you tell me what to focus on next", "in what order should i go
    # through the material", "is there a prerequisite order here"
    r"|(what'?s|whats|what is|which is) the next (topic|concept|thing|lesson|chapter|part) (i|we) (should|need to|"
    r"have to|gotta|ought to) (learn|study|tackle|do|cover|look at|read|work on)"
    r"|((can|could) (you|u) )?(tell me|say) what (i should|to) (learn|study|focus on|do|tackle|look at|work on)"
    r"( (next|now|first))+"
    r"|in (what|which) (order|sequence) (should|do|can|shall) i (go through|study|learn|do|read|tackle|cover)( (the|this|"
    r"all the) (material|topics|unit|course|stuff|chapter|concepts|readings|lessons|chapters))?"
    # "what order should i learn rlhf, ppo, dpo in?", "whats the recommended sequence for these topics", "please
    # recommend a study path for the unit", "please make plan"
    r"|(in )?(what|which) (order|sequence) (should|do|shall|can) i (learn|study|do|read|tackle|take|go through) "
    r"[\w ,'&/-]{1,60}?( in)?"
    r"|(what'?s|whats|what is) the (recommended|best|right|suggested|ideal|logical|proper) (sequence|order|path) (for|of|"
    r"to (learn|study|go through)) (these|the|this|all the|all these) (topics|concepts|material|chapters|unit|course)"
    r"|(((can|could|would) (you|u) )?(please )?(recommend|suggest|give me|make|plan|draw up)|make) (me )?(a )?"
    r"(study|learning|revision|reading) (path|plan|order|route|schedule|roadmap)( for [\w ,'-]{1,40})?"
    r"|((can|could|would) (you|u) )?(please )?make (me )?(a )?plan"
    # "got 3 free hours, what should i spend them on", "whats the most useful thing for me to focus on this week",
    # "roadmap pls", "plan my evening: what do i read first and what second", "should i go back to it or keep moving
    # forward"
    r"|(what|which topic|which part) should i (spend|use) (them|it|my time|the time|this time|tonight|today|the evening|"
    r"my evening|the weekend|my weekend|those|these) on( in (this|the) (unit|course|chapter|module))?"
    r"|(what'?s|whats|what is|what would be) the (most useful|best|most important|smartest|most helpful) (thing|topic|"
    r"part) (for me )?to (focus on|study|learn|do|work on|read|tackle)( (now|next|today|tonight|this week|first))*"
    r"|(a |the |my )?(roadmap|study plan|game plan|learning plan)( (pls|please|plz))?"
    r"|plan my (evening|day|week|weekend|study|studying|studies|revision)"
    # "help me prioritise the topics", "the recommended learning path", "a study order for ...", "sequence the topics for
    # me", "which module comes first", "a roadmap for the rest of the unit", "whats the move now, dpo or best-of-n",
    # "where should i go from here", "what order would you tackle these in", "is it smarter to do x or y first",
    # "whats the best use of it in this course"
    r"|((can|could|would) (you|u) )?(please )?(help me )?(prioriti[sz]e|rank|order|sequence) (the |these |my )?(topics|"
    r"concepts|chapters|readings|modules|material)( (in|of) (this|the) (unit|course|module))?( for me)?([\w ,']{0,60})?"
    r"|(what'?s|whats|what is) (the |a )?(recommended|suggested|best|ideal|good) (learning|study|reading) (path|order|route)"
    r"( (through|for) [\w' -]{1,40})?"
    r"|(i )?need (a|the) (study|learning|reading) (order|plan|path) for [\w ,'&/-]{1,60}"
    r"|(give me|make me|i need|need) a (roadmap|study plan|game plan|learning plan)( for [\w' -]{1,40})?( (pls|please))?"
    r"|(which|what) (module|topic|chapter|unit|part|section|concept) (comes|should come|goes) first"
    r"|(which|what) (topic|concept|part|module|chapter) (deserves|needs|should get) my (attention|time|focus)( (this week|"
    r"today|tonight|now|next|first))?"
    r"|(what'?s|whats) the (move|play|plan) (now|next|today)([,:]? [\w' -]{1,30} or [\w' -]{1,30})?"
    r"|what order would (you|u) (tackle|do|learn|study|take) (these|them|those)( in)?([,:]? [\w ,'&/-]{1,60})?"
    r"|is it (smarter|better|wiser|best) to (do|learn|study|start with|tackle) [\w' /-]{1,30} or [\w' /-]{1,30} first"
    r"|(what'?s|whats|what is) the best use of (it|my time|this time|that time|the time)( in (this|the) (course|unit))?"
    r"|(i'?d like|i would like|give me) a (prioriti[sz]ed|ranked|ordered) list of what to (cover|study|learn|do)( next)?"
    r"([,;]? [\w ,'-]{1,80})?"
    r"|(i'?m |im |i am )?looking for guidance on (which|what) (topics|parts|concepts) to focus on( first)?[\w ,'-]{0,80}"
    r"|what (do|should) i (read|study|do|learn|tackle) first( and what (second|next|after|then))?"
    r"|should i go back to [\w' -]{1,30} or (keep|just keep|carry on|move) (moving|going|on)( forward| ahead)?"
    r"|is there (a|an) (prerequisite |recommended |suggested |set |right |particular |fixed )?order( here| to (this|"
    r"the (topics|material|unit|course)))?( or [\w' -]{1,60})?"
    r")( (lol|pls|please|haha|tho|rn|then|today))*\W*$"
)
# "how am i doing", "whats my progress", "how many points do i have": the learner's own standing (/progress)
_MY_PROGRESS = re.compile(
    r"^((so|ok|okay|and|hey|hi|alright|hmm|now|but)\W+)*"
    r"(how (am|m) i doing( so far| overall| in (this|the) (course|class))?"
    r"|how('m| am) i (getting on|getting along|progressing)"
    r"|am i (doing )?(ok|okay|alright|well|good|fine|on track)( so far)?( or (am i )?(failing|behind|not|doing badly|"
    r"bombing)[\w' ]{0,30})?"
    r"|where am i (weak|weakest|struggling|bad|strong|strongest|falling behind)"
    r"|how('?s|s| is| are) my (accuracy|score|progress|streak|mastery|total|performance|results|grades|stats)( looking| "
    r"going| so far)?"
    r"|((can|could) (you|u) )?(please )?(give|show) me (an? )?(overview|summary|breakdown|rundown) of my (results|progress|"
    r"scores|performance|answers)( overall| so far)?( and [\w' ]{1,60})?"
    r"|((can|could) (you|u) )?(please )?(tell|show|give|inform) me (about )?my (current |total )?(points|score|streak|"
    r"progress|mastery|stats|rank)"
    r"|how many (questions |qs |answers )?i (answered|got|get|have answered|have got) (right|correct|correctly|wrong)"
    r"( till now| so far| until now)?"
    r"|((can|could) (you|u) )?(please )?(tell me )?how much of (the|this) (unit|course|chapter|module) (i have|i've|ive|i) "
    r"(finished|done|covered|completed|mastered|learned|learnt|studied|gone through)"
    r"|(what|wat)('s|s| is| are)? my (progress|score|scores|points|streak|mastery|stats|level|rank|ranking|total|"
    r"accuracy)( (on|in|for) [\w' -]{1,30})?( now| so far)?"
    r"|(show|give|tell) me how (i'm|im|i am) doing"
    r"|my (progress|score|scores|points|streak|stats)( so far)?( (please|pls))?"
    r"|how many points (do i have|have i got|did i get|have i earned|do i got)( so far)?"
    # "is my dpo any good yet", "need to know my weak spots", "a quick check of where i stand", "am i cooked on ppo or
    # nah", "which areas am i struggling with the most", "whether my accuracy has actually gone up", "have i cleared the
    # bar on the kl stuff yet", "a breakdown of what ive got right and wrong", "am i behind the rest of the cohort"
    r"|is my [\w' -]{1,30} any good( yet)?"
    r"|(i )?(need|want|would like|'d like|d like) to know my (weak|weakest|strong|strongest) (spots|areas|points|topics|"
    r"parts)"
    r"|(i'?d appreciate |i would appreciate |give me |can i get )?(a )?(quick )?(check|look|update) (of|on|at) where i stand"
    r"( in (the|this) (unit|course|class))?|where i stand( in (the|this) (unit|course|class))?"
    r"|am i (cooked|toast|doomed|behind|failing)( on [\w' -]{1,30})?( or (nah|not))?"
    r"|am i behind (everyone( else)?|(the rest of )?(the|my) (cohort|class|others|group|classmates))"
    r"|(which|what) (areas|topics|concepts|parts) am i (struggling|weakest|worst|weak|bad) (with|on|in|at)( the most)?"
    r"|((i'?d like|i would like|i want) to know |tell me )?(whether|if) my (accuracy|score|scores|results|mastery) ha(s|ve) "
    r"(actually |really )?(gone up|went up|improved|gone down|dropped)( over (that|the|this) (period|time|stretch|"
    r"fortnight|month|weeks?))?"
    r"|have i (cleared the bar|passed|mastered|nailed|got the hang of|gotten the hang of)( on| of)? [\w' -]{1,30}( yet)?"
    r"|(give|show) me a (breakdown|summary|rundown) of what (i'?ve|i have|ive) (got|gotten|answered) (right|wrong)( and "
    r"(right|wrong))?( so far)?"
    # "can you check how far ive actually come", "am i still on a streak", "show me my mastery per topic", "how many
    # days in a row have i done this", "did my percentage on the rm questions go up", "just tell me how bad my ppo
    # results are"
    r"|((can|could) (you|u) )?(check |tell me |see )?how far (i'?ve|i have|ive) (actually |really )?(come|got|gotten)"
    r"|am i still on (a|my) streak( (rn|now|today))?( or [\w' ]{1,40})?"
    r"|(show|give|tell) (me )?my (mastery|progress|scores?|points|results) (per|by|for each|on each) (topic|concept|part)"
    r"|how many days in a row( have i (done|studied|practi[cs]ed|been doing)( this| it)?( now| so far)?)?"
    r"|(did|has|have) my (percentage|score|scores|accuracy|mastery|results|grades?)( on [\w' -]{1,40})? (go|gone|went) "
    r"(up|down)( since [\w' ]{1,20})?"
    r"|(just )?tell me how (bad|good|terrible|awful) my [\w' -]{0,20}(results|scores|answers|grades) (are|were|look)"
    r"|(where|what) am i (weakest|worst|strongest|best)( at| in| on)?( according to| based on) my (results|stats|answers|"
    r"scores|record)"
    r"|what (have|did) i (master|mastered|learn|learnt|learned|covered|cover|studied|study|done|finished)( so far)?"
    r"|how (far|much) (have i got|have i done|did i get|am i)( so far| through (the|this) (course|unit))?"
    r"|am i (making (any )?progress|improving|getting (any )?better)( (at|on|with) [\w' -]{1,30})?"
    r"|(did|have) i (get|got|gotten) better( (at|on|with) [\w' -]{1,30})?|have i improved( at [\w' -]{1,30})?"
    r"|((can|could) (you|u) )?(show|give|tell) (me )?my (points|streak|(current |latest )?(mastery|progress|score|"
    r"scores|stats)( levels?| scores?| so far)?)"
    r"|((can|could) (you|u) )?tell me how (i'm|im|i am|i've been|ive been) doing( so far| overall)?"
    r"|(what'?s|whats|what is) my (streak|score|progress|level|rank) (at|like|looking like|now)"
    r"|how far (along )?am i( in (the|this) (unit|course|chapter|module))?"
    r"|how far (along |through |into )(the |this )?(unit|course|chapter|module) am i"
    r"|(did|have) i (keep|kept|lose|lost|break|broken|broke|still (have|got)) my streak( today| going)?"
    r"|((can|could) (you|u) )?(please |pls |plz )?(tell|show|give) me my (result|results|grade|grades)( so far| until "
    r"now| till now)?"
    r"|how('?d| did) i do( on (those|that|them|it|the quiz|the questions))?"
    r"|(what('s| is| are)|whats|show me|tell me) my (weak|weakest|strong|strongest|best|worst) (areas|topics|points|"
    r"spots|concepts|parts|subjects)"
    r"|(which|what) (topics|concepts|areas|ones|parts|chapters) (am i|i'm|im) (weak|bad|worst|strong|strongest|good|"
    r"best) (on|at|in)( so far)?|(which|what) (topics|concepts|areas|parts|chapters|ones) (have i|did i|i've|ive) "
    r"(already )?(covered|done|finished|mastered|learned|learnt|completed|studied)( so far| already)?"
    r"|where do i (rank|stand)( in (the|my|this) (class|course|leaderboard)| (vs|versus|compared to|against) (the )?"
    r"(class|others|everyone|everyone else|the rest|the cohort|my classmates))?"
    r"|how much of (the|this) (unit|course|chapter|module) (have i|did i|i've|ive) (finished|done|covered|completed|"
    r"mastered|learned|learnt|studied|gone through)"
    r"|how (are|is) my (results|scores|grades|stats|progress|mastery|streak|points)( looking| going)?"
    r"|(my )?(stats|streak)|how many (questions |qs |answers )?(have i|did i|i've|ive) (gotten|got|get|answered) "
    r"(right|correct|wrong)"
    r"|am i ready for (the|my|this|tomorrow'?s) (exam|test|quiz|midterm|final)( based on my (results|progress|scores|"
    r"answers))?( or (nah|not))?"
    r"|(summari[sz]e|show me|tell me|what are) my (strengths|weaknesses|strong points|weak points|strengths and "
    r"weaknesses)( so far)?)"
    r"(,? (please|pls|plz|lol|rn|now|thx|so far|today|this week|overall|in total))*\W*$"
)
_FILLER = re.compile(
    r"\b(so|very|much|really|a lot|lots|a ton|again|guys|tutor|bot|man|mate|buddy|friend|everyone|all|"
    r"there|for that|for this|for the help|for your help|for helping|for explaining|the explanation|"
    r"this|that|it|you|u|now|then|well|too|just|indeed|btw|and|oh|ah|ngl|tbh|fr|lmao|honestly|:\)|:d|:-\))\b"
)

# Bare answers to an open quiz question: "B", "b)", "4 6 5 1 2 3", "3,1,2,4", "1b 2a 3c", "1-b, 2-a".
_BARE_CHOICE = re.compile(r"^\(?([a-h])[.)]?$", re.IGNORECASE)
_BARE_ORDER = re.compile(r"^\d{1,2}(\s*[\s,;>-]\s*\d{1,2})+$")
_BARE_MATCH = re.compile(
    r"^\d{1,2}\s*[-:=>)]*\s*[a-h](\s*[\s,;]\s*\d{1,2}\s*[-:=>)]*\s*[a-h])*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Intent:
    """What a message asks: `kind` (definition, why, how, list, comparison, example, question, small-talk,
    quiz-answer); whether it is a `follow_up` leaning on the previous answer; the comparison's `sides`;
    the `subject` asked about (the words left when the question words are gone); an `ordinal` ("the second
    one" is 2, "the last" is -1); for small talk, `social` (greeting, thanks, bye, ack); whether it is `vague`; and
    whether it asks for a `consequence` ("what happens if ...")."""

    kind: str
    follow_up: bool = False
    sides: tuple[str, ...] = ()
    subject: str = ""
    ordinal: int | None = None
    social: str = ""
    vague: bool = False  # "the rl thing", "safety stuff pls": the learner can't name what they mean
    consequence: bool = False  # "what happens if N is too big", "and if beta is too large?": what follows
    # "what is LoRA and should i use it": the term the message first asks the meaning of, before the question
    # `what_first` keeps ("should i use LoRA")
    defines: str = ""

    @property
    def category(self) -> str:
        """One label for tables: a follow-up is "follow-up" whatever it asks."""
        return "follow-up" if self.follow_up else self.kind


# Learners who study in English but think in another language type a few words of it: "keine ahnung", "me rindo,
# cual era la respuesta", "manda uma pergunta sobre sft". The study-chat words of Spanish, Portuguese, German and
# French are read as their English (accents folded first); nothing else of those languages is.
_ENGLISH = (
    # giving up, the answer
    (
        r"me rindo|me doy por vencid[oa]|eu desisto|desisto|ich gebe? auf|ich geb'? auf|j'?abandonne",
        "i give up",
    ),
    (
        r"(cual|qual|que|was) (era|es|e|ist|war|est) (la |a |die |la bonne )?(respuesta|resposta|antwort|reponse)",
        "what was the answer",
    ),
    (
        r"(manda|mandame|dime|dame|mostra|me mostra|me diz|zeig mir|sag mir|donne-moi|dis-moi) (a |la |die )?"
        r"(respuesta|resposta|antwort|losung|reponse)",
        "show me the answer",
    ),
    (r"(la |a |die )?(respuesta|resposta|antwort|losung|reponse)", "the answer"),
    (r"(salta|saltar|pula|pular|uberspringen|passe)( (esta|essa|esta pregunta|diese))?", "skip this one"),
    # not knowing
    (r"keine ahnung|ni idea|no tengo (ni )?idea|nem ideia|sei la|aucune idee|nao faco ideia", "no idea"),
    (r"no se|nao sei|ich weiss (es )?nicht|weiss nicht|je ne sais pas|je sais pas|jsp", "i don't know"),
    (
        r"no entiendo|no lo entiendo|nao entendi|nao entendo|ich verstehe? (das )?nicht|versteh(e)? ich nicht|"
        r"je ne comprends pas|je comprends pas",
        "i don't understand",
    ),
    (r"estoy perdid[oa]|estou perdid[oa]|ich bin verwirrt|je suis perdu", "i'm lost"),
    # a hint
    (r"(una |uma |ein(en)? (klein(e[nrs]?)? )?|un (petit )?)(pista|dica|hinweis|tipp|indice)", "a hint"),
    (r"pista|dica|hinweis|indice", "hint"),
    # a question, please
    (r"(pregunta|pergunta) de (practica|pratica)", "practice question"),
    (r"(question|pregunta|pergunta|frage|domanda) (sur|sobre|uber|zu|sul|sulla|sui|su)", "question about"),
    (r"(kannst du|kannst du mich|kannst du mich dazu|frag mich) (dazu )?ab(fragen)?|interrogami", "quiz me"),
    (
        r"(me haces|hazme|hace(me)?|me hace|me faz|manda(me)?|dame|stell mir|gib mir|pose-moi|pose moi|mi fai|fammi) (una |uma |eine |une )?(practice )?"
        r"(pregunta|pergunta|frage|question)",
        "give me a question",
    ),
    (r"(otra|outra|noch eine|une autre) (pregunta|pergunta|frage|question)", "another question"),
    (r"(pregunta|pergunta|frage|domanda)", "question"),
    (r"sobre|uber", "about"),
    # what next, where to start
    (
        r"(was|womit) soll ich als nachstes (lernen|machen)|(que|o que) (estudio|estudo|eu estudo|hago|faco) "
        r"(ahora|agora|despues|depois)|qu'?est-ce que je (dois )?(etudier|apprendre) (maintenant|ensuite)|"
        r"(e )?(adesso|ora) cosa studio|cosa studio (adesso|ora|dopo)",
        "what should i learn next",
    ),
    (
        r"por donde (empiezo|comienzo)|por onde (comeco|eu comeco)|wo (fange|fang) ich an|womit (fange|fang) ich an|"
        r"par ou (je )?commence[rz]?",
        "where do i start",
    ),
    (
        r"(que|o que) sigue|(que|o que) me toca( ahora)?|(que|o que) vem agora|was kommt (jetzt|als nachstes)",
        "what next",
    ),
    (r"ya termine|ja terminei|ho finito|ich bin fertig mit", "i finished"),
    # progress
    (
        r"(como|cómo) (voy|estoy yendo|estou indo|to indo|vou)|wie (stehe|steh) ich|wie lauft es bei mir|"
        r"comment je m'?en sors",
        "how am i doing",
    ),
    (r"wie steht'?s (um|mit) mein(em|en)? fortschritt", "how is my progress"),
    (r"(mi|meu|mein|meinen|ma|il mio) (progreso|progresso|fortschritt|progression)", "my progress"),
    (
        r"(qual e|quale e|cual es|qual es) (il mio|mi|meu|o meu) (punteggio|puntaje|pontuacao)",
        "what is my score",
    ),
    (
        r"quantos pontos (eu )?tenho|cuantos puntos tengo|wie viele punkte habe ich",
        "how many points do i have",
    ),
    (r"(minha|mi) (sequencia|racha)", "my streak"),
    (r"finora|ate agora|hasta ahora|bis jetzt", "so far"),
    # small words around them
    (r"por favor|porfa|bitte|s'?il (te|vous) plait|stp", "please"),
    (r"gracias|obrigad[oa]|danke|merci", "thanks"),
    (r"basta|хватит|genug|assez|chega", "enough"),
)
_ENGLISH_RE = [(re.compile(rf"\b(?:{words})\b"), english) for words, english in _ENGLISH]
_ENGLISH_HINT = re.compile(
    r"\b("
    + "|".join(
        re.escape(w)
        for w in (
            "respuesta",
            "resposta",
            "antwort",
            "pregunta",
            "pergunta",
            "frage",
            "rindo",
            "desisto",
            "ahnung",
            "se",
            "idea",
            "ideia",
            "sei",
            "weiss",
            "sais",
            "pista",
            "dica",
            "hinweis",
            "tipp",
            "indice",
            "losung",
            "entiendo",
            "entendi",
            "entendo",
            "verstehe",
            "perdido",
            "perdida",
            "perdu",
            "verwirrt",
            "nachstes",
            "donde",
            "onde",
            "fange",
            "fang",
            "voy",
            "indo",
            "stehe",
            "progreso",
            "progresso",
            "fortschritt",
            "sobre",
            "bitte",
            "por",
            "danke",
            "gracias",
            "obrigado",
            "obrigada",
            "merci",
            "plait",
            "salta",
            "pula",
            "pular",
            "saltar",
            "uberspringen",
            "abandonne",
            "jsp",
            "stp",
            "sigue",
            "kommt",
            "estudio",
            "estudo",
            "reponse",
            "comprends",
            "commencer",
            "commence",
            "progression",
            "gebe",
            "geb",
            "vencido",
            "vencida",
            "basta",
            "хватит",
            "genug",
            "assez",
            "chega",
            "moi",
            "une",
            "abfragen",
            "frag",
            "interrogami",
            "domanda",
            "fammi",
            "fai",
            "adesso",
            "studio",
            "toca",
            "termine",
            "terminei",
            "finito",
            "fertig",
            "steht's",
            "steht",
            "punteggio",
            "puntaje",
            "pontuacao",
            "pontos",
            "puntos",
            "punkte",
            "sequencia",
            "racha",
            "finora",
            "practica",
            "pratica",
        )
    )
    + r")\b"
)


def _english(text: str) -> str:
    """The message with the study-chat words of Spanish, Portuguese, German and French said in English ("keine
    ahnung" -> "no idea"); accents are folded first. Text with none of those words is returned as it is."""
    folded = text
    if not text.isascii():
        folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    if not _ENGLISH_HINT.search(folded):
        return text
    for pattern, english in _ENGLISH_RE:
        folded = pattern.sub(english, folded)
    return folded


@functools.lru_cache(maxsize=4096)  # the rules clean one message several times over
def _clean(text: str) -> str:
    # "@everyone quiz me on dpo", "<@U123> hint pls": mentions are who is addressed, not what is asked
    text = re.sub(r"<[@#!][^>]*>|@(everyone|here|channel)\b|[¿¡]", " ", text).strip().lower()
    text = re.sub(r"[’‘`]", "'", text)
    text = re.sub(r"\s+", " ", text)
    text = _english(text)
    # "respected tutor, kindly ...", "could you please be so kind as to ...", "sir please give one mcq": polite address
    text = re.sub(
        r"^((respected|dear|hello|hi) (tutor|sir|madam|ma'am|teacher|professor|bot)|sir|madam|ma'am)\W+",
        "",
        text,
    )
    text = re.sub(r"\b(would|could|can) you (please )?be so kind as to\b", "could you please", text)
    text = re.sub(r"\bkindly\b", "please", text)
    text = re.sub(r"\babt\b", "about", text)
    text = re.sub(r"\bgimme\b", "give me", text)  # "gimme the big challenges": a request like "give me"
    text = re.sub(r"\blemme\b", "let me", text)
    return _SYMBOL_NOUN.sub(r"\1", text)


# "the beta parameter in it": beta; "parameter" names what beta is, and no sentence calls it that
_SYMBOL_NOUN = re.compile(
    r"\b(beta|β|alpha|α|gamma|γ|lambda|λ|epsilon|ε|eps|n|k) (hyper-?parameter|parameter|value)s?\b",
    re.IGNORECASE,
)


def _strip_punct(text: str, keep: str = "") -> str:
    return re.sub(rf"[^\w\s'&+{re.escape(keep)}-]", " ", text).strip()


def bare_answer(text: str) -> bool:
    """Does the message look like an answer to a quiz question (a letter, an order, matches) and nothing else?"""
    t = text.strip().rstrip(".!")
    return bool(_BARE_CHOICE.match(t) or _BARE_ORDER.match(t) or _BARE_MATCH.match(t))


# Questions about the tutor itself, not the course: "are you a bot?", "who made you", "what can you do"
_ABOUT_TUTOR = re.compile(
    r"(are|r) (you|u) (a |an |the |like |just )?(bot|robot|ai|an ai|human|real|a real person|real person|person|"
    r"chatgpt|chat gpt|gpt|llm|language model|computer|machine|program|tutor|teacher|ta)( or (a |an )?(real |actual )?\w+)?"
    r"|who (made|built|created|programmed|wrote|trained|runs|designed) (you|u|this bot|this tutor|this)"
    r"|who (are|r) (you|u)|what (are|r) (you|u)|what('s| is|s) your name|your name|what should i call (you|u)"
    r"|what (can|do|could) (you|u) do|what (are|r) (you|u) (for|good at|able to do)|how (do|does) (you|u|this bot|"
    r"this tutor|the bot|the tutor) work|how (do|can) i use (you|u|this|this bot|the bot|this tutor)"
    r"|(can|do) (you|u) (hear|see|understand|read) me|(are|r) (you|u) (there|awake|alive|online|still there)"
    r"|(you|u) there|anyone (there|here)|hello\?+|is anyone there"
    # "can i ask you stuff at 3am or do you sleep": when the tutor is there
    # "do you ever get tired of explaining ppo lol": how the tutor feels about its work, not the work
    r"|(do|can|will|does) (you|u) (ever )?(sleep|rest|eat|dream|take breaks?|work (at night|24/7|weekends)|"
    r"(get|feel) (tired|bored|annoyed|sick|fed up)( of| with)?( (answering|explaining|hearing|talking about|"
    r"questions|us|students|me)[\w\s'-]{0,40})?)"
    r"|(can|may|could) i (ask|message|text|ping|bother) (you|u)( (stuff|things|questions|anything))?"
    r"( (whenever|anytime|any time|at night|late at night|at \d+ ?(am|pm)|on weekends|24/7))?"
    r"( or (do|are|will) (you|u) (sleep|asleep|offline|off|busy|tired)\w*)?"
)
_AROUND_ABOUT = re.compile(
    r"^((wait|ok|okay|so|hey|hi|hello|yo|lol|hmm+|um+|uh+|btw|quick q|random q|genuine question|serious question)\s+)+"
    r"|(\s+(be honest|honestly|for real|seriously|lol|haha|tho|though|just curious|im curious|i'?m curious))+$"
)
_JOKE = re.compile(
    r"(tell|give) me a joke( about [\w\s'-]+)?|(say|tell me) something funny|make me laugh|(tell|know) any jokes"
    r"|(do |d )?(you|u|ya) (know|have|got) (any|a) (good |funny )?(\w+ )?jokes?"
)


# "quick question", "can i ask you something?": the learner is about to ask; the tutor says go ahead
_ASKS_TO_ASK = re.compile(
    r"((i|i've|ive|i do) (have|got|have got) |got |have )?(a |one |another |just a |some )?"
    r"((quick|small|short|dumb|stupid|silly|random|noob|newbie|basic|weird) )*(question|questions|q|qn)( for (you|u))?"
    r"|(can|could|may) i ask (you |u )?(a |one |another )?(something|smth|sth|((quick|small|dumb|stupid|silly|random) )*"
    r"(question|q|thing))"
    r"|(a |one )?quick one"  # "hey quick one": a question is coming
    r"|sorry,? one more( (thing|q|question))?"  # "sorry, one more": one more question of the learner's own
    # "random thought", "one more thing", "another thing": a question is coming
    r"|(a |one |another |just a )?((quick|small|random|weird|silly|side) )+(thought|thing|one)|one more (thing|q|question)|"
    r"another (thing|one)"
)


def small_talk(text: str) -> str:
    """The kind of small talk (greeting, thanks, bye, ack, or a request for help with studying: "study"), or ""
    when the message asks something."""
    t = _clean(text)
    if _STUDY_HELP.search(t):
        return "study"
    plain = re.sub(r"(\s+(lol|haha|lmao|ngl|tbh|fr|pls|please|rn|tho|btw|anyway|anyways))+$", "", _strip_punct(t))
    bare = re.sub(r"\s+", " ", _FILLER.sub(" ", plain)).strip()
    # "wait are you a real person or a bot? be honest": the question about the tutor, inside what opens and closes it
    asked = _AROUND_ABOUT.sub("", plain).strip()
    if (
        _ABOUT_TUTOR.fullmatch(bare)
        or _ABOUT_TUTOR.fullmatch(plain)
        or _ABOUT_TUTOR.fullmatch(asked)
        or t.strip() in ("hello?", "hello??")
    ):
        return "about"
    if _JOKE.fullmatch(bare) or _JOKE.fullmatch(plain):
        return "joke"
    if _ASKS_TO_ASK.fullmatch(bare) or _ASKS_TO_ASK.fullmatch(plain):
        return "ask"
    how_are_you = r"(how (are|r) (you|u)( doing)?|how's it going|hows it going|how is it going)( today)?"
    if "?" in t and not re.fullmatch(rf"(what's up|whats up|sup|{how_are_you})\W*", t):
        return ""
    words = _strip_punct(t)
    if re.fullmatch(how_are_you, words):
        return "greeting"
    if not words:
        return "ack" if t else ""  # "👍", "!!", ":)"
    found = ""
    rest = words
    for kind in ("struggle", "luck", "praise", "thanks", "greeting", "bye", "wait", "back", "ack"):
        if _SOCIAL_RE[kind].search(rest):
            found = found or kind
            rest = _SOCIAL_RE[kind].sub(" ", rest)
    if not found:
        return ""
    rest = _FILLER.sub(" ", rest)
    return found if not rest.strip(" '&+-") else ""


def _sides(t: str) -> tuple[str, ...]:
    """The things compared (two, or up to four listed), as the learner wrote them (best effort)."""
    t = re.sub(r"\s+[-–—]+\s+|[:;]", ",", t)  # "SFT vs DPO: which one ...": a clause of its own, not a side
    t = _strip_punct(t.replace("?", " ? ").replace(",", " , "), keep=",?").replace(" ,", ",")
    t = re.sub(r"\s+", " ", t).strip()
    # "ok and how is that different from ...": the chat's lead-in is no part of the first side
    t = re.sub(r"^((ok|okay|so|and|but|right|alright|hmm|wait|oh)\b,? )+", "", t)
    # "but vs rlhf?", "and compared to dpo?": the first side is the last answer's concept
    t = re.sub(r"^((then|what about|how about) )*(?=(vs|versus|compared to|compared with) )", "it ", t)
    patterns = [
        r"between (?:the )?(?P<a>.+?) (?:and|&|vs|versus) (?:the )?(?P<b>.+?)(?:[,?]|$)",
        # "the main difference of sft and rlhf in simple words": "of" for "between", as many learners write it
        r"\b(?:difference|differences|diff|distinction)s? (?:of|in) (?:the )?(?P<a>.+?) (?:and|&|vs|versus) (?:the )?"
        r"(?P<b>.+?)(?: in (?:simple|plain|easy|layman'?s?|short) ?(?:words|terms|english)?)? ?(?:[,?]|$)",
        r"(?:,|\?) ?(?:the )?(?P<a>[^,?]+?) or (?:the )?(?P<b>[^,?]+?)(?:[,?]|$)",
        r"(?:^|,) ?(?:the )?(?P<a>[^,?]+?) (?:vs|versus|v s|compared to|compared with) (?:the )?(?P<b>[^,?]+?)(?:[,?]|$)",
        r"(?:^|,) ?(?:how )?(?:does|do|is|are) (?:the )?(?P<a>.+?) (?:differ|different) from (?:the )?(?P<b>[^,?]+)",
        # "how does it stack up against dpo in terms of stability": the two, not what they are judged on
        r"(?:^|,) ?(?:how )?(?:does|do|would|will) (?:the )?(?P<a>.+?) (?:stack up|measure up|fare|hold up) "
        r"(?:against|to|with|compared to) (?:the )?(?P<b>[^,?]+?)(?: (?:in terms of|on|for|when it comes to) [^,?]+)?"
        r"(?:[,?]|$)",
        r"compare (?:the )?(?P<a>.+?) (?:and|with|to) (?:the )?(?P<b>[^,?]+)",
        r"(?:^|,) ?(?:is )?(?:the )?(?P<a>[^,?]+?) (?:better|worse) than (?:the )?(?P<b>[^,?]+)",
        _ONE_IS_ANOTHER,
        # "dpo beats ppo every time", "does dpo outperform rlhf": the two, not how often
        r"(?:^|,) ?(?:does |do |is )?(?:the )?(?P<a>[^,?]+?) (?:beats?|outperforms?|is superior to|is inferior to) "
        r"(?:the )?(?P<b>[^,?]+?)(?: (?:every time|always|in general|everywhere|on everything|at everything|now))?"
        r"(?:[,?]|$)",
        r"(?:the )?(?P<a>[^,?]+?) (?:instead of|rather than) (?:the )?(?P<b>[^,?]+)",
        r"which (?:one|is|of)? ?.*?(?:,|:) ?(?:the )?(?P<a>[^,?]+?) or (?:the )?(?P<b>[^,?]+)",
        # "what does that have to do with chatgpt": how one bears on the other
        r"(?:^|,) ?(?:and |but |so )?what (?:does|do|did) (?:the )?(?P<a>.+?) (?:have|has) to do with (?:the )?"
        r"(?P<b>[^,?]+)",
        # "how does that connect to ppo", "how is the reward model related to rlhf": how one bears on the other
        r"(?:^|,) ?(?:and )?(?:how )?(?:does|do|is|are) (?:the )?(?P<a>.+?) (?:connect|relate|related|linked|tied)"
        r" (?:in )?(?:to|with) (?:the )?(?P<b>[^,?]+)",
    ]
    lead = re.compile(
        r"^(what is|what's|whats|what are|in \w+|so|and|ok|okay|explain|tell me|the difference|"
        r"difference|how|the|a|an)\b ?"
    )
    for pattern in patterns:
        m = re.search(pattern, t)
        if not m:
            continue
        a, b = m.group("a").strip(" ,"), m.group("b").strip(" ,")
        # "different from just fine tuning": "just" qualifies the comparison, not the thing compared
        a, b = (re.sub(r"^(just|simply|plain|merely) ", "", x) for x in (a, b))
        for _ in range(3):
            a = lead.sub("", a).strip()
        b = re.sub(
            r"\b(what's|whats|what is) the difference$|\bdifference$|\bwhich is better$", "", b
        ).strip()
        b = re.sub(r"\s+(model|models)?\s*(work|do|differ)$", "", b).strip()
        if a and b and a != b:
            # "sft, rlhf and dpo", "sft vs rlhf vs dpo": three or four things, each named in a few words
            more = [
                x.strip()
                for side in (a, b)
                for x in re.split(r"\s*,\s*(?:and |or )?|\s+(?:vs|versus)\s+", side)
            ]
            more = [
                re.sub(r"\s+(which|what|who|how|why|when)\b.*$", "", x) for x in more
            ]  # "dpo which is ..."
            more = list(dict.fromkeys(x for x in more if x))
            if 2 < len(more) <= 4 and all(len(x.split()) <= 4 for x in more):
                return tuple(more)
            return (a, b)
    return ()


# "the human part", "the 'proximal' bit": a part of what was just explained
_POINT_WORD = r"(quote|quotes|line|idea|point|claim|argument|message|takeaway|lesson|warning|intuition|catch)"
_THE_POINT = re.compile(
    r"^(so |and |but )?(what'?s|whats|what is|what was|what were) the (actual |exact |real |original |main |key |core |"
    rf"big |whole )?{_POINT_WORD}(\s+(or|and)\s+(the\s+)?{_POINT_WORD})?"
    r"(\s+(tho|though|here|again|then|exactly|of (it|that|this)|behind (it|that|this)))*\W*$"
)
PART_OF = re.compile(r"\bthe ['\"]?[\w-]+['\"]? (part|bit|piece|term|step|stage)\b", re.IGNORECASE)
# "so N is just how many answers it generates?", "wait so there's no reward model at all?": the learner checks
# what they understood of the last answer
_CONFIRMS = re.compile(
    r"^((wait|hold on|oh|ah|hmm|ok|okay|right)\W*\s+)*(so|like|you mean|u mean|meaning|just|only)\s+(?!(what|whats|what's|why|how|which|who|when|where|"
    r"explain|tell|give|show|describe|define|list|name|can|could|would|will|should|may|shall|let's|lets|please)\b)"
    r"[^?]+\?+\s*$"
)


# "idk i just dont get it", "still confused", "that went over my head": the last answer did not land
_LOST = re.compile(
    r"((ok|okay|hmm+|idk|sorry|ugh+|honestly|tbh|lol|wait|but|so|um+|yeah|nah|i mean)\W*\s+)*"
    r"((i\s+)?(still\s+|just\s+|really\s+|totally\s+|kinda\s+)*(don'?t|do not|didn'?t|did not|can'?t)\s+"
    r"(get|understand|follow)(\s+(it|this|that|any of (it|this|that)|what you mean))?(\s+at all)?"
    r"|(i'?m\s+|im\s+|i am\s+)?(still\s+|so\s+|very\s+|kinda\s+)*confused"
    r"|(this|that|it)\s+(makes no sense|doesn'?t make sense|went (way )?over my head|is confusing)"
    r"|huh|wdym|what do you mean|what do u mean"
    # "idk what im supposed to write" after the case study: what it asks for, again and more simply
    r"|(idk|i don'?t know|i dont know|no idea|not sure)\s+what\s+((i'?m|im|i am|we'?re|we are)\s+"
    r"(supposed|meant|expected)\s+to|to|i should|we should)\s+(write|do|say|put|answer|hand in|submit))"
    r"(\s+(tbh|lol|honestly|sorry|still|either))*\W*"
)


def lost(text: str) -> bool:
    """Does the message say the last answer did not land, and nothing else ("idk i just dont get it")?"""
    return bool(_LOST.fullmatch(_clean(text)))


# While a quiz question is open, a move in the quiz rather than a question: "can i get a hint", "skip this one",
# "i give up", "idk"
_QUIZ_LEAD = (
    r"^((ok|okay|hmm+|um+|uh+|ugh+|wait|so|yeah|nah|erm|sorry|honestly|tbh|lol|now|anyway|anyways|alright|and|bruh|"
    r"bro|yo|ngl|fr|allora|please|pls)\W*\s+)*"
)
_QUIZ_MOVES = {
    "hint": re.compile(
        _QUIZ_LEAD + r"((can|could|may) (i|u|you) (get|have|give me|gimme) |(please |pls )?(give me|gimme) |"
        r"i (need|want|could use) |need |got |have you got |(do )?(you|u) have )?"
        r"(a |another |one more |some |any |a little |a small |a tiny )?(small |little |tiny |quick )?"
        r"(hint|clue|nudge)s?( (please|pls))?( (for|on) (this|this one|it|that|the question))?( (please|pls))?\W*$"
    ),
    "skip": re.compile(
        _QUIZ_LEAD
        + r"((can (i|we) |let's |lets |i'll |ill |i want to |i wanna )?skip( (this|this one|it|that|"
        r"this question|the question))?|(i )?give up|i'?ll pass|(just )?(show|tell|give) me the (right |correct )?"
        r"answer|(what('s| is|s) )?the (right |correct )?(answer|ans)( then)?|ans|pass)( (please|pls))?\W*$"
    ),
    "unsure": re.compile(
        _QUIZ_LEAD
        + r"(i (really |honestly )?(don'?t|do not) know|idk|no idea|no clue|not sure|(i'?m|im|i am) not "
        r"sure|dunno|i have no (idea|clue)|(i'?m|im|i am) stuck|i (don'?t|do not) get (this|it) one|"
        r"(i'?m|im|i am) (not certain|uncertain|unsure))"
        r"( (tbh|lol|honestly|sorry))?\W*$"
    ),
}


# "quiz me on dpo", "give me a question about reward models", "next question pls": a request for a quiz question
_QUIZ_REQUEST = re.compile(
    _QUIZ_LEAD
    + r"((can|could|would|will) (you|u) |(please|pls|kindly) |let's |lets |now )?(please |pls |kindly )?"
    r"(((quiz|test) me|(give|send|ask)( me)? (a|an|one|another|one more|some|more|a few|a couple of|the next)"
    r"( (quiz|practice|test|hard|harder|easy|easier|new|tough|tougher|quick|short|random|multiple[ -]choice|mcq|"
    r"mc|exam|exam-style|exam style))? (question|questions|quiz|quizzes|mcq|mcqs|"
    r"exercise|exercises|problem|problems)|"
    r"(can|could|may) i (have|get|try|do|take) (a|an|another|one more|some|more|the next)"
    r"( (quiz|practice|test|new|hard|harder|easy|easier|tough|tougher|random|quick|short))? (question|questions|quiz|exercise|"
    r"problem)|(the )?next"
    r"( (quiz|practice|test))? (question|quiz))"
    r"( (again|too|as well))?)"
    r"( (on|about|over|with|from|for|covering) (?P<topic>.+?))?(,? (please|pls|now|again|thanks|thx|ty))*"
    r"([,;]? (maybe |like |say |about |just )?(\d+|one|two|three|four|five|a few|some|a couple( of)?) (questions|qs))?"
    r"\W*$"
    # "practice problem on bradley-terry pls", "ask me something about constitutional ai", "i want to practice ppo,
    # got any questions?", "lets do a quick quiz"
    r"|"
    + _QUIZ_LEAD
    + r"((can|could|would|will) (you|u) (please |pls )?(?=(test|check|quiz|drill|throw|fire|shoot|toss|examine|assess|evaluate|see|set|pose|put|grill|stump|"
    r"challenge|give) )|kindly )?"
    r"((((can|could|would|will) (you|u) )?(please |pls )?(ask|give|send) me (something|somthing|smth|sth|anything|"
    r"a thing|some stuff|stuff)|(a |some |any |more )?(practice|exercise|test|quiz) (problem|problems|question|"
    r"questions|qs|q|exercise|exercises)|(got|have you got|do you have|(you|u) got) any (practice |quiz )?"
    r"(questions|qs|quizzes|problems)|(lets|let's|can we|shall we|wanna|we should) (do|have|try|take) (a |an |"
    r"another |some )?(quick |short |little |mini |small |flashcard-?style |flash ?card |exam-?style )?(quiz|test|round|quiz round|practice round|practice session|(practice |quiz "
    r"|test )?(question|questions|q|qs|problem|problems))|(a )?random (question|q|quiz)(,? (on|about|from))?(,? any "
    r"topic|,? anything)?|"
    r"(throw|fire|shoot|toss) (a |some |another |more )?(random |quick |hard |tough |easy |tricky )?(question|questions|q|"
    r"qs|quiz)( or two)? at me|drill me|((can|could|would|will) (you|u) )?(please )?ask me one|"
    # "pop quiz time?", "challenge me", "put me on the spot about the kl term", "prove me wrong with a tricky
    # question", "warm-up question?", "a flashcard-style round on sft", "exam-style question on rlhf", "5 quick
    # questions on dpo, go", "got one for me?"
    r"pop quiz( time)?|challenge me|put me on the spot|prove me wrong with (a|an|one|some)( tricky| hard| tough)? "
    r"(question|q|one)|(a |an |some )?(warm-? ?up|exam-? ?style|flashcard-? ?style|flash ?card|practice|quiz)"
    r"( |-)?(question|questions|q|qs|round|cards)|(\d+|a few|some|two|three|four|five|ten) (quick |short |more |"
    r"practice )?(questions|qs)|(an |a )?(exercise|question|problem) on [^,?!.]+?[,;] (got|have you got|do you have) "
    r"(one|any)( for me)?|(would you mind |could you |can you )?(check|see|test|checking|seeing|testing) (if|whether) i "
    r"(actually |really )?(understand|get|know) (the difference between )?(?P<topic4>[^,?!.]+?) by "
    r"asking me (something|a question|one)( about it)?|another (question|q|one)( (pls|please))?,? (on )?(the )?same "
    r"topic( as (the )?last( quiz| one| time)?)?|"
    r"(test|check|quiz|examine|assess|evaluate) my (knowledge|understanding)|(exercises|exercise|practice questions|practice problems|"
    r"quiz questions)|one more (question|q|quiz)|(i'd like|i would like|id like|i want) to be (tested|quizzed)|"
    r"((i'?d like|i would like|id like|i'?d appreciate|i would appreciate|i want|i need|need|i wanna|can i get|"
    r"(lowkey |kinda )?want) (a|an|another|one more|some|more)( quick| short| brief| hard| harder| easy| easier| tough|"
    r" practice| quiz| little| challenge| multiple[ -]choice)? (exercise|exercises|question|questions|quiz|problem|"
    r"problems|q|qs|knowledge check|assessment item|assessment|drill|challenge))|"
    # "could you set me a practice problem on ...", "pose a question on sft", "put a question to me on it", "grill me
    # with a couple of questions on ...", "stump me with a scenario", "fire away with a tricky one", "gimme a multiple
    # choice on ...", "hit me with something hard about ...", "i want to be tested on dpo"
    r"(set|give) me (a|an|one|another|some)( quick| short| hard| tricky| practice)? (problem|question|exercise|"
    r"challenge)|pose (a|an|one|some) (question|problem|challenge)|put (a|one|some) (question|questions) to me|"
    r"(grill|stump|challenge) me( with [^,?!.]+?)?|fire away( with (a|an|one|another)( tricky| hard| tough)? (one|"
    r"question|q))?|(give|send) me a multiple[ -]choice|hit me with (something|smth|sth)( hard| tricky| tough| easy)?|"
    r"i (want|need|would like|'d like|d like) to be (tested|quizzed|drilled|examined)|"
    r"run me through (a|an|another|one more|some)( quick| practice)? (question|q|one|exercise)|more (questions|qs|exercises|problems|practice questions|quiz questions)|hit me with (a|an|"
    r"another|one more|some)( hard| harder| tough| tougher| easy| easier| quick| tricky| random)? (one|question|q|quiz))"
    r"( (on|about|over|for|with|of|in) (?P<topic2>[^,?!.]+?))?( with (a few|a couple( of)?|some|few|two|three|a|one) "
    r"(question|questions|qs|quiz questions|practice questions|mcq|mcqs))?"
    r"|(i want|i'd like|id like|i wanna|let me|can i|lets|let's) (to )?(practice|practise|drill|test myself on)"
    r" (?P<topic3>[^,?!.]+?))(,? (please|pls|plz|now|again|thanks|thx|ty))*([,;]? (any topic|anything|whatever)( is fine|"
    r" works| is ok)?)?"
    r"([,;]? (maybe |like |say |about |just )?(\d+|one|two|three|four|five|a few|some|a couple( of)?) (questions|qs))?"
    r"([,;]? (got|have you got|do you have|(you|u) got|any) (any )?(questions|qs|quizzes|problems)|[,;]? (ask|quiz|"
    r"test) me( something| anything| on it)?|[,;]? (throw|fire|shoot|toss) (a |some )?(question|questions|q|qs) at me)?"
    r"([,;.]? i (want|wanna|need) (to )?(practi[cs]e|study|revise))?([,;]? go|[,;]? (got|have you got|do you have) one( "
    r"for me)?)?\W*$"
)
# "another one", "one more!", "give me a harder one", "hit me with another q": one more question, when the learner
# was just quizzed
# ("another q" alone is "I have another question": the learner is about to ask)
_ONE_MORE = re.compile(
    _QUIZ_LEAD
    + r"((give me |can i (get|have) |hit me with |gimme |i want |i'd like )(another|one more|a harder|"
    r"a tougher|an easier|a different|a new|the next)( one| q| question| quiz)?|(another|one more|a harder|"
    r"a tougher|an easier|a different)( one)?|next one|again|more)"
    r"( (please|pls|plz))?\W*$"
)
# "quiz me on it", "test me on that": the topic is the last answer's
QUIZ_ON_THE_LAST = re.compile(
    r"(it|this|that|this one|that one|this topic|that topic|those|these|them|the same( topic)?)"
)


# "what should i learn after instruction tuning", "which lesson comes after rlhf basics", "ok done with reward
# models. now what", "what do i need to know before starting on dpo", "should i learn ppo before dpo": the
# course's own order around a concept (its prerequisites and what builds on it), not what the concept says
_X = r"(?P<x>[\w' -]{2,40}?)"
_ORDER_END = r"( (pls|please|plz|lol|then))*\W*$"
_AFTER = [
    re.compile(_QUIZ_LEAD + p + _ORDER_END)
    for p in (
        r"(((could|can|would) (you|u) )?(please )?(recommend|suggest|tell me) )?(what|which)( (topic|concept|lesson|chapter|"
        r"unit|one|part|module))? ((should|do|shall|can|could|would you recommend|do you recommend|would you "
        r"suggest|do you suggest|(is )?(best|good) for me to)( i| me to)?|i (should|could|can|need to|ought to))"
        r" (learn|study|do|read|cover|take up|take|tackle|go to|look at|move on to|go for|pick up)( next)? after "
        + _X
        + r"( basics| stuff)?",
        # a lesson, a topic: the course's order ("what comes after sft" alone may ask about the training pipeline)
        r"(what|which) (topic|concept|lesson|chapter|unit|part|module) (comes|is) (next |right )?after " + _X,
        r"(what('s| is|s) )?the next (topic|concept|lesson|chapter|unit|module) after " + _X,
        r"(i'?m |im |i am |i'?ve |ive |i have |i )?(done|finished|through|completed)( with)? "
        + _X
        + r"[,.;!]*\s*"
        r"(so |ok |and )?(now )?((what|wat)( now| next)?( then)?|(what'?s|whats|what is|what comes) (after( (that|it|"
        r"this))?|next)|(what'?s|whats|what is) (the |my )?(logical |best |right |obvious |good )?next (step|topic|"
        r"thing|lesson)( for me)?( to (read|learn|study|do|tackle|cover|look at))?)",
        # "ok reward models done ✅ whats after that for me"
        _X
        + r" (done|finished|complete|completed|covered)\W*(so |ok |and )?(now )?((what|wat)( now| next)?( then)?|"
        r"(what'?s|whats|what is|what comes) (after( (that|it|this))?|next))( for me)?",
        r"(what|which)( (topic|concept|lesson|chapter|unit|one|part|module))? to (learn|study|do|read|cover|tackle|"
        r"look at|move on to)( next)? after " + _X,
        # "whats a good next step after dpo" ("the next step after sft" alone may ask about the training pipeline)
        r"(what'?s|whats|what is|what would be|any ideas? (for|on)) (a |the |my )?(good|logical|sensible|best|"
        r"recommended) next (step|topic|thing|lesson)( for me)? after " + _X,
    )
]
_BEFORE = [
    re.compile(_QUIZ_LEAD + p + _ORDER_END)
    for p in (
        r"what (do|should|must) i (need to |have to )?(know|learn|study|read|cover|understand|do)( first)? "
        r"before (starting on |starting with |starting |doing |learning |tackling |studying |reading |getting "
        r"into )?" + _X,
        r"(what are|what's|whats|what is|any) (the )?(prerequisites?|prereqs?) (for|of|to) " + _X,
        # a lesson, a topic: the course's order ("what comes before rlhf" alone may ask about the pipeline)
        r"(what|which) (topic|concept|lesson|chapter|part|module) comes (before|prior to) " + _X,
        r"(what|which)( (topic|concept|lesson|chapter|one|part|module))? (should|do) i (learn|study|do|read) "
        r"(before|prior to) " + _X,
    )
]
_WHICH_FIRST = re.compile(
    _QUIZ_LEAD + r"should i (learn|study|do|read|tackle) (?P<x>[\w' -]{2,30}?) before (?P<y>[\w' -]{2,30}?)"
    r"(,? or (the other way( round| around)?|after|vice versa))?\W*$"
)


def course_order(text: str) -> tuple[str, str, str] | None:
    """("after", X, "") for "what should i learn after X", ("before", X, "") for "what do i need before X",
    ("first", X, Y) for "should i learn X before Y": a question about the course's order; else None."""
    t = _clean(text)
    for direction, patterns in (("after", _AFTER), ("before", _BEFORE)):
        for pattern in patterns:
            found = _request(pattern, t)
            if found:
                return direction, _ORDER_TOPIC.sub("", found["x"]).strip(), ""
    both = _request(_WHICH_FIRST, t)
    return (
        ("first", _ORDER_TOPIC.sub("", both["x"]).strip(), _ORDER_TOPIC.sub("", both["y"]).strip())
        if both
        else None
    )


# "rlhf basics", "the dpo stuff", "the reward model chapter": the topic is the name ("basics" found the course's
# introductory concept)
_ORDER_TOPIC = re.compile(
    r"^(the|a|an)\s+|\s+(basics|stuff|part|bit|section|chapter|lesson|topic|thing|one|unit|module)$"
)


def _last_sentence(t: str) -> str:
    """ "ok makes sense. quiz me on it": the request is the message's last sentence."""
    parts = re.split(r"(?<=[.!?])\s+", t.strip())
    return parts[-1] if len(parts) > 1 and parts[-1] else t


# Where a run-on message turns to its request: "i reread my notes on the train, anyway now hit me with a question",
# "finished the sft reading 🎉 whats the next topic"
_TURN = re.compile(
    r"(?<=[.!?])\s+|[,;:]\s+|\s+[-–—]+\s+|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]+\s*|"
    r"\s+(?=(anyway|anyways|so|now|but|and now|and so|ok so|soo+)\s)"
)


_PUNCTUATED_TURN = re.compile(r"[,;:]\s+|\s+[-–—]+\s+|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]+\s*")


# "..., any pointers?", "thoughts?", "any topic is fine": about the help just asked for, not a question of its own
_PLEA = re.compile(
    r"^(any (pointers|tips|ideas|advice|suggestions|thoughts|help)|thoughts|ideas|help|advice|pls|please|"
    r"(any topic|anything|whatever)( (from|in) (the|this) (unit|course|chapter))?( is fine| works| is ok)?)\W*$"
)


def _request(pattern: re.Pattern[str], t: str) -> re.Match[str] | None:
    """The pattern found in the whole message, else in its last sentence (after chat such as "ok makes sense."), else
    in an earlier sentence when no other sentence asks anything ("give me a question about ppo? want to check if i
    get it"), else after the chat a run-on message opens with ("exam friday, drill me on sft", "finished the
    reading 🎉 whats next")."""
    found = pattern.search(t) or pattern.search(_last_sentence(t))
    if not found:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", t.strip()) if s]
        for i, sentence in enumerate(sentences[:-1] if len(sentences) > 1 else ()):
            others = sentences[:i] + sentences[i + 1 :]
            if not any(o.endswith("?") or _ASKING_START.match(o) for o in others):
                found = pattern.search(sentence)
                if found:
                    break
    cuts = [] if found else [0, *(x for cut in _TURN.finditer(t) for x in (cut.start(), cut.end())), len(t)]
    for tail in (t[end:].strip() for end in cuts[2:-1:2]):
        found = pattern.search(tail)
        if found:
            return found
    # a clause between the chat, with no question after it: "drill me on wiener, i want to be sure i can explain
    # it", "..., can you tell me what to focus on next so i stop being chaotic"
    pieces = [t[start:end].strip() for start, end in zip(cuts[::2], cuts[1::2], strict=True)]
    for i, piece in enumerate(pieces[:-1]):
        if t[cuts[2 * i + 1] :].startswith(":"):
            continue  # "practice q: parent says ...": a label for what follows, not a request
        rest = [x for x in pieces[i + 1 :] if x and not _PLEA.match(x)]
        if not any(x.endswith("?") or _ASKING_START.match(_LEAD.sub("", x) or x) for x in rest):
            found = pattern.search(" ".join(pieces[: i + 1])) or pattern.search(piece)
            if found:
                break
    return found


def request_clause(text: str, most_words: int) -> str:
    """The clause a long message ends on, when it is short (`most_words` or fewer) and could be a request of its
    own ("i reread my notes on the bus and im wiped, got anything to test me with"): the last sentence, or what
    follows the chat it opens with; "" when there is none, or when another part of the message asks something."""
    t = _clean(text)
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", t) if x]
    if not sentences:
        return ""
    last = sentences[-1]
    cuts = list(_PUNCTUATED_TURN.finditer(last))
    clause = last if len(last.split()) <= most_words else (last[cuts[-1].end() :].strip() if cuts else "")
    rest = t[: len(t) - len(clause)].strip() if clause else ""
    if len(clause.split()) < 2 or len(clause.split()) > most_words or not rest or _SCENARIO.search(t):
        return ""
    parts = [re.sub(r"^((and|or|but|so)\s+)+", "", x) for x in re.split(r"(?<=[.!?])\s+|[,;:]\s+", rest) if x]
    if any(x.endswith("?") or _ASKING_START.match(_LEAD.sub("", x) or x) for x in parts) or _OWN_TASK.search(
        rest
    ):
        return ""
    return clause


# "our support bot showed a customer another's details, what do we do first": a case, not the learner's studying
_SCENARIO = re.compile(
    r"\b(we|us|our|team|company|customers?|clients?|users?|case study|scenario|startup|boss)\b"
)
# "i need to write the root cause plan. where do i even start": the learner's own piece of work, not the course
_OWN_TASK = re.compile(
    r"\b(need|needs|have|has|got|must|supposed|asked|told) to (write|draft|build|design|fix|make|plan|present|"
    r"decide|create|put together|come up with|prepare a|do a|submit)\b"
)


def quiz_request(text: str) -> str | None:
    """When the message asks to be quizzed, its topic as written ("" for none, or for the whole unit); else
    None."""
    t = _clean(text)
    found = _request(_QUIZ_REQUEST, t)
    if not found:
        return None
    topic = (
        found.group("topic") or found.group("topic2") or found.group("topic3") or found.group("topic4") or ""
    ).strip(" ?!.")
    # "on the reward model? like for the exam": the topic ends with the question
    topic = re.split(r"[?!]", topic)[0]
    # "quiz me on dpo, i want to be sure i get it": why, not what
    topic = re.sub(r",\s*(i|i'm|im|i'd|id|because|cause|cuz|bc|so|since|as|want|need)\b.*$", "", topic)
    topic = re.sub(
        r"\s+(so|so that|because|cause|cuz|since) (i|we)\b.*$", "", topic
    )  # "... so i can check myself"
    # "test me on rlhf before my exam tmrw": the exam is when, not what
    topic = re.sub(
        r"\s+(before|for) (my|the|our|an?|tomorrow'?s|today'?s|next|this week'?s) (exam|test|quiz|midterm|final|section|"
        r"class|lecture|lab|seminar|tutorial|meeting|interview|shift|presentation|call)\b.*$",
        "",
        topic,
    )
    return "" if _WHOLE.fullmatch(topic) else topic


# "test me on the whole unit", "quiz me on everything": no topic
_WHOLE = re.compile(
    r"((the|this) )?((whole|entire|full) )?(unit|course|chapter|module|class|syllabus)|everything|all( of it)?|"
    r"anything|whatever|random( stuff| topics?)?|any topic"
)


def one_more(text: str) -> bool:
    """ "another one", "one more!", "give me a harder one": another quiz question, if the learner was just quizzed."""
    return bool(_request(_ONE_MORE, _clean(text)))


# With the learner's question open, a short message about it is read more loosely: "im kinda stuck on this one,
# any hint?", "can u point me in the right direction", "ugh just tell me what it is", "blanking on this"
_WITH_A_QUESTION_OPEN = {
    "skip": re.compile(
        r"\b(give up|giving up|surrender|skip|skipping (this|it|that)|reveal|(show|tell|give) me (the )?(right |correct )?(answer|"
        r"solution|what it is|it)|see the (right |correct )?(answer|solution)|(what'?s|whats|what is) the (right |"
        r"correct )?(answer|solution)|(i'?m|im|i am) done|forget it|idc|move on|next question|next one|"
        r"just tell me( already| pls| please)?\W*$|(say|tell me|show me) (which|what) "
        r"(option|one|answer|choice|letter) is (correct|right)|(show|tell|give) (me )?(what'?s|whats|what is|which "
        r"is|which one is|which one'?s) (correct|right)|pass on (this|it|that)|leave (it|this one|this)|"
        r"(don'?t|dont|do not) (want|wanna) to (do|answer|try) (this|it)|(the )?(right |correct )?ans( pls| please)?\W*$|"
        r"spoil (it|this|this one|the answer)|move past (it|this|this one)|what was it\W*$|"
        # "just show me what it was", "tell me what the right answer is", "pass. lets go to another one"
        r"(show|tell) me what (it|the (right |correct )?(answer|solution|option)) (is|was)|^pass\b|"
        r"(go|move|skip) (on )?to (another|the next) (one|question)|(don'?t|dont|do not) want to try( it)?( any)? more|"
        r"(show|tell|give) the (right |correct )?(answer|solution)|i quit|(what|which) (was|is|'s) the (right|"
        r"correct) (option|answer|one|choice|letter))\b"
    ),
    "hint": re.compile(
        r"\b(hint|hints|hnit|(?<!no )clue|(?<!no )clues|nudge|tip|tips|pointer|pointers|point me|right "
        r"direction|first step|narrow (it |this |them |the options )?down|rule (one |some |something )?out|"
        r"eliminate|(something|smth|sth|anything) to (start|begin|go) (with|on)|get me started|"
        r"((don'?t|dont|do not) (tell|give|show)|without (telling|giving|showing)) (me )?(the )?(answer|solution)|"
        r"((don'?t|dont|do not) (reveal|spoil)|without (revealing|spoiling)) (me )?(the |it)?(answer|solution)?|"
        r"(something|anything) (i should|to) (be )?(think|thinking|consider|considering|keep in mind|look at)|"
        r"(what|which) ([\w-]+ ){0,3}should i (be )?(think|thinking|look|looking|focus|focusing|consider|considering)|"
        r"guidance|without giving (it|the answer|the game) away|angle|where to look|(throw|give) me a bone|"
        r"where (do|should|would) i (start|begin)|what should i (be )?(think|thinking|look|looking|focus)|"
        r"help|right track|trick|push|(this|the) question (is )?(really |actually )?(asking|testing|about|getting at|"
        r"looking for))\b"
    ),
    "unsure": re.compile(
        r"\b(no idea|(don'?t|dont|do not) know|dunno|idk|stuck|blank|blanking|confused|lost|"
        r"can'?t (figure|work|get|do|solve)|cannot (figure|work|get|do|solve)|not sure|(don'?t|dont|do not) get|"
        r"no (freaking |fricking )?idea|clueless|beyond me|too hard|so hard|hard one|tough one|forgot|"
        r"not knowing|(don'?t|dont|do not) understand|confusing|confuses|not certain|uncertain|unsure|not confident|"
        r"(don'?t|dont|do not|can'?t|cannot) (remember|recall)|(brain|mind|head) (is |'s )?(empty|blank|fried|dead|"
        r"mush|not working)|(brain|mind|head) (just )?(stopped|stopped working|quit|died|froze|gave up)|over my head|"
        r"(have|got|having) (a )?doubts? (in|about|on|with) (this|it)|not getting it|no (freaking |fricking )?clue|no entiendo|^(wait|huh|um+|uh+),? what\W*$)\b"
    ),
}
# ... but a question that names something to explain is a question, even then ("what is a reward model?")
_ASKS_SOMETHING = re.compile(r"^(what|why|how|when|who|which|where|explain|define)\b")
# "does the policy give up on exploring?": a yes-no question about the course, unless it is about a hint itself
_ASKS_WHETHER = re.compile(r"^(is|are|does|do|did|was|were)\b")
_STUDY_WORD = re.compile(r"\b(hint|hints|hnit|clue|clues|nudge)\b")
OPEN_MOVE_WORDS = 20
OPEN_CHECK_WORDS = 60  # a longer message, even with a question open, is read as a question
# "is saying 'i don't know' honest?": words in quotes are talked about, not said
_IN_QUOTES = re.compile(r"(?:^|(?<=\s))('(?:[^']|(?<=\w)'(?=\w)){1,60}?'|\"[^\"]{1,60}\")(?=\W|$)")


def quiz_move(text: str, open_question: bool = False) -> str:
    """ "hint", "skip" or "unsure" when the message, said while a quiz question is open, is a move in the quiz
    (asking for a hint, giving up, not knowing) rather than a question about the course; else "". With
    `open_question` (the learner's question is open now) a short message is read more loosely: any that asks for
    a hint, gives up or says the learner is stuck, unless it asks about something else. A longer one is read so
    sentence by sentence, and clause by clause after the chat it opens with ("ive been staring at this for 10 min
    while my kid screams, can you just show me what its supposed to be")."""
    t = _clean(text)
    strict = next((move for move, pattern in _QUIZ_MOVES.items() if pattern.search(t)), "")
    if strict or not open_question:
        return strict
    if len(t.split()) <= OPEN_MOVE_WORDS:
        return _loose_move(t)
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", t) if x]
    # each sentence, then what follows the chat it opens with ("..., can you just show me what its supposed to be")
    cuts = [x[cut.end() :].strip() for x in sentences for cut in _PUNCTUATED_TURN.finditer(x)]
    for piece in sentences[::-1] + cuts[::-1]:
        if len(piece.split()) > OPEN_MOVE_WORDS:
            continue
        opening = _LEAD.sub("", piece) or piece
        if _ASKS_SOMETHING.search(opening) or _ASKS_WHETHER.search(opening):
            continue  # "..., why is that so hard for it": a question about the course, in a long message
        move = _loose_move(piece)
        rest = [x for x in sentences if x not in piece and piece not in x]
        # "is that the whole difference?? ..., sorry if this is confusing": a question of its own around it
        if move and not any(
            (x.endswith("?") or _ASKING_START.match(_LEAD.sub("", x) or x)) and not _loose_move(x)
            for x in rest
        ):
            return move
    return ""


# "whats the first step for this one", "what should i be thinking about here": about the open question
_ABOUT_IT = re.compile(r"\b(this|this one|this question|it|here|that one)\b")


def _loose_move(t: str) -> str:
    """The move a short message makes about the open question, read loosely (`quiz_move`); else ""."""
    if re.fullmatch(r"[?!. ]*\?[?!. ]*", t):  # "???": lost
        return "unsure"
    t = _IN_QUOTES.sub(" quoted ", t)
    for move, pattern in _WITH_A_QUESTION_OPEN.items():
        found = pattern.search(t)
        if not found:
            continue
        if move == "skip" and re.search(
            r"\b(don'?t|dont|do not|without|not|no)\b[^,.;]*\b(answer|solution|spoil)", t
        ):
            continue  # "pls help a little but dont tell me the answer": a hint, not the answer
        if move == "skip" and re.search(
            r"\b(refuse|not going|won'?t|will not|don'?t want|dont want|do not want|never) to give up|"
            r"\bif (you|we|they|one|i|it) (just )?(skip|skips|skipped)\b",
            t,
        ):
            continue  # "i refuse to give up on this one", "what goes wrong if you skip it": not giving up
        opening = _LEAD.sub("", t) or t
        asks = _ASKS_SOMETHING.search(opening) or (
            _ASKS_WHETHER.search(opening) and not _STUDY_WORD.search(found.group(0))
        )
        about_it = _ABOUT_IT.search(t)
        # "whats the answer" asks for the answer; "does the policy give up on exploring?" asks about the course
        wants_answer = move == "skip" and re.search(r"\b(answer|solution|correct|right)\b", found.group(0))
        if asks and not about_it and not wants_answer and not lost(t):
            return ""
        return move
    return "unsure" if lost(t) else ""


_GOES_ON_FROM = re.compile(
    r"\b(can|could|does|do|will|would|is|are|might|may)( \w+){0,3} still (go|goes|fail|fails|happen|be|get|make|"
    r"produce|hallucinate|lie|break|misbehave|need|have|work|matter|cause|exploit|do|drift)\b|\bstill (go wrong|fail|"
    r"happen|work|matter|be needed|needed|useful|need)\b|\beven (then|so|after (that|this|it|all that))\b"
)


def goes_on_from(text: str) -> bool:
    """ "what are some ways the model can still go wrong?", "even then?": it goes on from the last answer."""
    return bool(_GOES_ON_FROM.search(_clean(text)))


def opens_with_why(text: str) -> bool:
    """Does the message open with a bare "why" (or "how so") of its own, then say the question it stands for ("why
    tho, why not just max the reward")? Such a message asks about the last answer, whatever words follow."""
    parts = re.split(r"([,;:?]|\.\.\.)", _clean(text), maxsplit=1)
    if len(parts) < 3 or not parts[2].strip():
        return False
    first = _TAIL.sub("", parts[0]).strip()
    return bool(re.fullmatch(r"((and|but|so|wait|ok|okay|hmm) )*(why|how so|why so|how come|really)", first))


def turns_round(text: str) -> bool:
    """Does the message ask whether the last answer's two are the other way round ("or is it vice versa")?"""
    return bool(re.search(r"\b(the )?other way (a)?round\b|\bvice versa\b", _clean(text)))


def simpler(text: str) -> bool:
    """Does the message ask for the last answer again, more simply ("give me the intuition not the math")?"""
    return bool(_SIMPLER.search(_clean(text)))


_JOINED = re.compile(
    r"^(and|but|so)\s+(do|does|did|is|are|was|were|can|could|will|would|should|has|have)\s+"
    r"(the|it|they|that|this|its|their)\b"
)


def the_point(text: str) -> bool:
    """Does a short message ask for the one thing the last answer turned on ("whats the actual quote or idea tho",
    "so what's the catch")?"""
    t = _LEAD.sub("", _clean(text)) or _clean(text)
    return bool(_THE_POINT.match(t)) and len(_strip_punct(t).split()) <= 8


def joined(text: str) -> bool:
    """Is the message a yes-or-no question joined on to the last answer, about "the" thing it was about ("and do the
    model weights change at all?")?"""
    return bool(_JOINED.match(_clean(text)))


def confirms(text: str) -> bool:
    """Is the message a learner checking their understanding of the last answer ("so it's just ...?")?"""
    t = _clean(text)
    return bool(_CONFIRMS.match(t)) and len(t.split()) <= 12


def checks_first(text: str) -> bool:
    """Does the message open with a short check of the last answer ("so B wins?") and go on after it?"""
    first, mark, rest = _clean(text).partition("?")
    return bool(mark and rest.strip(" ?!.") and len(first.split()) <= 6 and _CONFIRMS.match(first + "?"))


def anaphoric_side(side: str) -> bool:
    """Does a side of a comparison point back ("it" in "how is it different from prompting?")?"""
    return bool(_ANAPHOR_SIDE.match(side.strip().lower()))


def _subject(t: str) -> str:
    asked, _, comment = t.partition("?")
    if comment.strip() and len(asked.split()) >= 3:
        t = asked  # "why is there a KL term in the ppo objective for rlhf? seems like it just holds the model back"
    words = _strip_punct(t)
    words = re.sub(
        r"^((and|so|ok|okay|but|hey|please|pls|can you|could you|can u)\s+)*"
        r"((what|whats|what's|wat|wats|wut|who|why|how|when|where|which)( (is|are|was|were|does|do|did|s|'s|can|should|would))?"
        r"|define|explain|describe|tell me about|what do you mean by|the definition of|definition of|"
        r"meaning of)\s+",
        "",
        words,
    )
    words = re.sub(r"^(a|an|the)\s+", "", words)
    # "what does beta do in dpo", "what does the clip mean in ppo": the detail, in its concept ("beta in dpo")
    words = re.sub(
        r"^(.+?)\s+(do|does|mean|means|stand for|stands for)\s+(in|for|during|with|inside|within)\s+",
        r"\1 \3 ",
        words,
    )
    # "sft meaning?? in alignment context", "rlhf definition": the name, in its context
    words = re.sub(r"^([\w-]+(?:\s+[\w-]+){0,2}?)\s+(meaning|definition|def|stands? for)\b\s*", r"\1 ", words)
    # "what does the beta in dpo control", "what does epsilon in ppo represent": the detail in its concept, not the verb
    words = re.sub(
        r"^(.+?\s+(?:in|for|during|inside|within)\s+.+?)\s+(control|controls|represent|represents|affect|affects|"
        r"decide|decides|determine|determines|change|changes)$",
        r"\1",
        words,
    )
    for _ in range(3):  # "prompting exactly", "dpo again pls", "fine tuning. explain pls": not the name
        words = re.sub(
            r"\s+(mean|means|stand for|do|work|works|pls|please|stuff|thing|again|exactly|actually|really|"
            r"anyway|though|tho|here|then|now|even|precisely|basically|in a nutshell|in simple terms|"
            r"in plain english|in short|explain|explain it|explained|eli5|tldr|like|roughly|more or less|"
            r"in general|generally|ish|kinda|sort of|kind of)$",
            "",
            words,
        )
    return words.strip()


# Placeholders a learner uses for a topic they can't name: a best guess helps them more than "not covered".
_VAGUE = re.compile(
    r"\b((?<!same )(?<!one )thing|(?<!same )things|thingy|stuff|trick|whatsit|whatchamacallit|whatever it'?s called|"
    r"what'?s it called|what was it called|something like that|or something|the deal with|"
    r"what was that|that one where|the one where|the one with|the one without|"
    # "the method where ppl pick which answer they like more", "the one without the RL part, d-something?"
    r"(the|this|that) (method|technique|approach|algorithm|algo|idea|paper|model|step|part|guy|name|format|setup|"
    r"trick) (where|that|which|when|without|with the|in which)"
    # "that data format where u have 1 prompt and 2 answers"
    r"|(the|this|that) [\w-]+ (format|setup) (where|in which|with)|[a-z]{1,4}-something|something-something"
    # the learner describes it and asks its name: "what is that component called?", "theres a term for when ...",
    # "does the course have a name for that?", "... written by people — name?"
    r"|what(?:'?s| is| was) (?:that|it|this)(?: \w+)? called|what do (?:you|u|we|they) call (?:it|that|this)"
    r"|(?:is there|there'?s|theres) (?:a|an) (?:term|word|name) for|what(?:'?s| is) the (?:term|word|name) for"
    # "whats the name of the penalty that keeps the new model near the old one": a description, then its name asked
    r"|what(?:'?s| is| was) the (?:term|word|name) of (?:the|that|this) [\w -]{1,30}? (?:that|which|where|when|who)"
    r"|(?:have|has) a (?:name|term|word) for (?:that|it|this)|[—-]\s*name\W*$|\bname(?=\?\W*$))\b"
)


# A term the learner quotes: "when they say 'policy'", "what does the word "proximal" mean"
_QUOTED = re.compile(r"(?:^|\s)['\"]([a-z][\w -]{1,30}?)['\"](?=\W|$)")

_LEAD = re.compile(
    r"^((ok|okay|so|but|hey|hi|hello|thanks|thank you|um+|uh+|well|alright|cool|great|nice|right|hm+|wait|"
    r"hold on|sorry|oh|ah|lol|yeah|yes|actually|btw|random but|"
    # "sorry dumb question but what does SFT stand for", "quick question: ..."
    r"((a|one|another|just a|random|quick|dumb|stupid|silly|noob|newbie|basic|serious|real|honest|genuine) )+"
    r"(question|q|qn)( (but|though|tho))?|"
    # "I am curious: why ...", "just curious, how ...", "genuinely curious: ...", "i have a question: ...", "i was
    # wondering, ..."
    r"(i am |i'm |im |just |i was |i've been |ive been )?((genuinely|honestly|really|seriously|truly|kinda) )?"
    r"(curious|wondering)|i (have|got) (a|one) (question|q|doubt)|"
    # "ok back. what year was that", "back from lunch, how is ...": the learner is back, then asks
    rf"(i'?m |im |i am |we'?re |were )?back( (from|after) {_BACK_FROM})?"
    r"(?=\W*[.,;:!]\W*\s)|"
    r"question)"
    r"(\W*\s+|:(?=\S)))+"
)

_LEAD_ANY_CASE = re.compile(_LEAD.pattern, re.IGNORECASE)


# Pronouns that point back for certain (not "one", "same", "there": "the same thing as fine-tuning?"; nor "that"
# and "this", which also describe: "what was that trick where you generate lots of answers")
_POINTER = re.compile(r"\b(it|its|it's|they|them|their|he|she|him|her|his)\b")
_FIRST_MOVE = re.compile(
    r"^((so|ok|okay|and|but|right)\W*\s+)*(what|which)('s| is)? (should|do|would|must|shall) (we|they|the team|you|u|"
    r"one|i) (do|check|fix|say|tell|change|try) (first|next|now|then)\b"
)
# "how is it computed", "why does it drift", "what do they optimise": the question asked of "it" itself
_IT_ASKED = re.compile(
    r"^((and|but|so|ok|okay|wait|hmm)\W*\s+)*(how|why|what|when|where)( exactly| else)? (is|was|does|did|do|are|were|"
    r"has|have) (it|they)\b(?! (true|possible|the case|fair|ok|okay|enough|worth)\b)"
)
# A message of up to this many words that is worded as a follow-up ("why tho, wouldnt it learn faster without it")
# leans on the last answer; other short messages up to 7 ("what about the second one?").
LEANING_LENGTH = 10


# Words that end a short follow-up without adding to it: "why tho", "how so then?", "example pls"
_TAIL = re.compile(
    r"(\W+(tho|though|then|exactly|again|really|lol|pls|please|huh|now|man|bro|dude|tbh|haha))+\W*$"
)


def _leans_back(t: str) -> bool:
    """Is the (cleaned) message worded as a follow-up: an ellipsis ("and if ...", "why?") or a question word with
    a pronoun ("can they conflict?")?"""
    return bool(
        _ELLIPSIS.match(t)
        or _ELLIPSIS.match(_TAIL.sub("", t))  # "why tho", "how exactly then?"
        or re.match(
            r"^(what|whats|which|how|hows|why|where|wheres|when|who|can|could|does|do|is|are|will|would|should|did|"
            r"was|were|has|have|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|wouldn'?t|couldn'?t|shouldn'?t|won'?t|wont|"
            r"can'?t|cant|wasn'?t|weren'?t|hasn'?t|haven'?t)\b",
            t,
        )
        and _ANAPHOR.search(t)
        # "that one, why do it", "this part: can you explain": the message opens by pointing back
        or re.match(r"^(that|this|those|these)( one| ones| part| bit| step| thing| stuff)?\s*[,:;-]", t)
    )


# "lecturer kept saying ppo like 20 times today", "i read the dpo paper abstract", "so for the exam": the learner
# tells where they are before they ask; nothing to answer yet
_ASKING_START = re.compile(
    r"^(what|whats|what's|which|how|hows|how's|why|whys|where|when|who|whom|whose|can|could|does|do|did|is|are|"
    r"was|were|will|would|should|shall|may|might|has|have|had|isnt|isn't|arent|aren't|dont|don't|doesnt|doesn't|"
    r"didnt|didn't|cant|can't|wont|won't|explain|define|tell|give|list|describe|compare|show|help|summari[sz]e|"
    r"walk|clarify|elaborate|name|outline|remind|teach|break|contrast|eli5|example|difference|diff|pls|please|"
    r"wat|wut|y|hw|r|u|any|anyone|need|gimme|lemme|let)\b"
)
_NOT_TOLD = re.compile(
    r"\b(don'?t|do not|didn'?t|did not|doesn'?t|can'?t|cannot) (get|understand|see|follow)|\b(confus|lost|wonder|"
    r"struggl|stuck|unclear|make sense|makes sense|no idea|idk|dunno|not sure|explain|help(s|ed|ing)?\b|\w+ or \w+)"
    r"|\bin (my|your|simple|plain|easy|other) (own )?words\b"
)
_TELLER = re.compile(
    r"\b(i|i'm|im|i've|ive|i'd|we|we're|were|our|my|they|lecturer|lecture|lectures|prof|professor|teacher|ta|"
    r"book|textbook|slides?|notes|paper|abstract|chapter|section|class|exam|midterm|final|case|example|homework|"
    r"assignment|project|reading|hypothetically|suppose|imagine|scenario|startup|company|team|client|boss|"
    # "essay q practice", "revision time": what the learner is doing
    r"essay|essays|practice|practicing|practising|revision|revising|prep|prepping|cramming|studying|"
    # "teammate keeps saying sft", "my draft treats these as one thing": who else is in it, what the learner writes
    r"teammates?|classmates?|groupmates?|group|draft|presentation|thesis|report)\b"
)


def tells(text: str) -> bool:
    """Is the message the learner telling where they are, not asking anything yet ("lecturer kept saying ppo like
    20 times today", "we're doing the go/no-go case for an internal llm", "so for the exam")?"""
    t = _clean(text)
    if "?" in t or small_talk(t) or bare_answer(t):
        return False
    t = _LEAD.sub("", t) or t
    words = _strip_punct(t).split()
    return (
        len(words) >= 3
        and not _ASKING_START.match(t)
        # "..., do i need a wheel alignment", "ok back. what year was that, so i can cite it"
        and not any(_ASKING_START.match(part) for part in re.split(r"[,;:.!]\s*", t)[1:])
        and not _NOT_TOLD.search(t)
        and bool(_TELLER.search(t))
    )


def _without_lead(text: str) -> str:
    t = _clean(text)
    return _LEAD.sub("", t) or t


def follow_up_shaped(text: str) -> bool:
    """Is the message put as a follow-up, whatever its length: "what happens if you set it too small", "and
    why would it do that", "can they ever be wrong about it"?"""
    t = _without_lead(text)
    return _leans_back(t) or bool(CONSEQUENCE.match(t))


# "i missed the part about aligning at inference time, what did i miss", "not getting the whole preference
# thing": the learner's situation, around the topic they ask about
_SITUATION = re.compile(
    r"^(i |i'm |im |i am )?(still |really |totally |so |kinda |kind of |a bit |pretty |completely )*(missed|miss|don't get|dont get|didn't get|didnt get|do not get|"
    r"not getting|confused (about|by)|lost (on|with)|don't understand|dont understand|didn't understand|"
    r"didnt understand|struggling with|stuck on|was absent for|wasn't there for|skipped)\s+"
    r"((the|that) (part|bit|section|lecture|lesson|class|stuff|thing) (about|on|where|with) )?(the (whole )?)?",
    re.IGNORECASE,
)
_SITUATION_END = re.compile(
    r"[,.;]?\s*(what did i miss|can you (explain|help)( it| that)?( please| pls)?|help( please| pls)?|"
    # "what is the purpose of reward model? kindly explain with example."
    r"((kindly|please|pls) )?(explain|elaborate|illustrate|clarify)( it| this| that)?( (with|using|by|through) "
    r"(an |some |a |one )?(examples?|illustrations?))?( please| pls)?|"
    r"pls|please|lol)\W*$",
    re.IGNORECASE,
)


# Who said the claim the learner asks about: "someone on reddit said ...", "a video said", "i heard that ..."
_HEARSAY = re.compile(
    r"^((so|ok|okay|but|and|wait|hmm+)\W*\s+)*(((someone|somebody|people|everyone|a (friend|guy|video|youtuber|thread|"
    r"post|tweet|blog|podcast|tiktok|paper)|my (friend|roommate|brother|sister|tutor|ta|coworker|boss|prof|professor|"
    r"lecturer|teacher|teammate|classmate|groupmate|lab partner|partner)|(this|some) "
    r"(guy|video|youtuber|thread|post|tweet|article|blog))( (on|in) (reddit|x|twitter|youtube|tiktok|discord|hn|"
    r"hacker news|a video|class))?|x|reddit|twitter|youtube|tiktok)( (said|says|told me|claims|claimed|mentioned|"
    r"keeps saying|kept saying|was saying))|i (heard|read|saw)( (somewhere|online|on (reddit|x|twitter|youtube|"
    r"tiktok)|in a video))?)( that)?\s+(?=\S+ \S+ \S+)",
    re.IGNORECASE,
)
# The learner's doubt about a claim after it: "... which sounds insane", "thats what i got from a tiktok"
_HEARSAY_END = re.compile(
    r"[,.;?!]*\s*((which|that|this|it) (sounds|seems) (insane|crazy|wild|wrong|weird|off|sus|fishy|too good to be "
    r"true|like a lot|made up)|(that'?s|thats|that is) what i (got|heard|learned|read|saw) (from|on|in) [\w' -]+|"
    r"(is|was) (that|this|it) (true|right|correct|legit|accurate)( or (not|nah|no))?)\W*$",
    re.IGNORECASE,
)


# "and what about how do i tune my guitar?": a whole question after "what about" is asked on its own
_ABOUT_A_QUESTION = re.compile(
    r"^(and |so |but |ok |okay )?(what about|how about)\s+(?=(what|what's|whats|how|why|who|when|where|which|"
    r"explain|tell|describe|define|can|could|is|are|do|does|did|should|would|will)\b)",
    re.IGNORECASE,
)


# "define best of n pls, the lecture went too fast", "what is dpo? i missed class": an aside about the learner
_ASIDE = re.compile(
    r"[,.;?!]\s*(the|this|that|our|my|today'?s|last)\s+(lecture|class|lesson|prof|professor|teacher|slides?|book|"
    r"textbook|video|tutorial|reading|week)\b[^?]*$"
    # "what's SFT? it was on slide 4", "... , it came up in the reading": where the learner met it
    r"|[,.;?!]\s*(it|this|that|they)\s+(was|were|is|are|came up|comes up|appeared|appears|showed up|shows up)\s+(on|in)"
    r"\s+(the\s+|a\s+|our\s+|my\s+|today'?s\s+|last\s+)?(slides?|lecture|notes|reading|textbook|book|chapter|"
    r"class|lesson|video|handout)\b[^?]*$"
    r"|[,.;?!]\s*(i|we)\s+(missed|was absent|were absent|fell asleep|zoned out|wasn'?t there|weren'?t there|"
    r"didn'?t get|don'?t get|got lost|am lost|'m lost|was lost|was sick|skipped)\b[^?]*$"
    # "dpo = ? (not the gdpr thing lol)", "ppo, not the one in sports": what the learner does not mean
    r"|\s*\((not|i don'?t mean|i dont mean|nothing to do with) [^)]*\)"
    # "best-of-n sampling = ? (exam flashcard)", "(for my notes)": what the answer is for, not what it is about
    r"|\s*\((for )?(my |the |an? |our )?(exam|exams|test|quiz|midterm|final|finals|oral|revision|studying|study|"
    r"flashcards?|notes|cheat ?sheet|homework)( [\w'-]+){0,2}\)"
    r"|[,;]\s*(not|i don'?t mean|i dont mean) the (?!same\b|first\b|second\b|third\b|last\b|other\b)[\w/-]+"
    r"( [\w/-]+)? (thing|one|kind)\b[^?]*$",
    re.IGNORECASE,
)


# "explain dpo, my exam is tmrw", "exam friday. what is ppo", "quiz on thursday so: steps of rlhf": when the learner
# is tested, before or after the question, is no part of it
_WHEN = (
    r"(tmrw|tmr|tomorrow|today|tonight|soon|later|next week|this week|on \w+|in (a |an |\d+ |two |three |a few )?"
    r"(hours?|hrs?|days?|weeks?)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|"
    r"fri|sat|sun|this \w+|next \w+|coming up|in the morning|morning|afternoon|evening)"
)
_TESTED = r"(exam|exams|test|tests|quiz|midterm|midterms|final|finals|mid-?sem|assessment|oral|viva)"
_EXAM_END = re.compile(
    rf"([,.;:!?]+\s*|\s+(?=(and|but|bc|because|cause|cuz|since|as) ))((and|but|bc|because|cause|cuz|since|as) )?"
    rf"((i have|i've got|ive got|i got|got|have) )?"
    rf"((my|the|our|an|a) )?{_TESTED} (is |are |'s |s )?{_WHEN}\b[^?]*\??$",
    re.IGNORECASE,
)
_EXAM_LEAD = re.compile(
    rf"^((ok|okay|so|hey|hi|hello)\W*\s+)*((i have|i've got|ive got|i got|got|have) )?((my|the|our|an|a) )?{_TESTED} "
    rf"(is |are |'s |s )?{_WHEN}\b\W*(so |and )?\s*(?=\w)",
    re.IGNORECASE,
)


# "my manager asks why we cannot just prompt the model ..., what should i tell him": a question passed on by someone
# else is the question; who asks it and what to tell them are not
_REPORTED_LEAD = re.compile(
    r"^((ok|okay|so|hey|hi|hello)\W*\s+)*(my|our|a) (manager|boss|team ?lead|lead|prof|professor|teacher|ta|tutor|"
    r"colleague|coworker|co-worker|friend|classmate|client|customer|cto|ceo|pm|mentor|supervisor|interviewer|"
    r"stakeholders?|team) (asked|asks|ask|is asking|was asking|wants to know|wanted to know|keeps asking|wonders|"
    r"was wondering)\b( me)?\W*\s*",
    re.IGNORECASE,
)
_REPORTED_END = re.compile(
    r"[,.;:!?]+\s*(so )?(what|how) (should|do|can|would) (i|we) (tell|answer|explain|say to|reply to|respond to)"
    r"( (it|this|that))?( to)?( (him|her|them|my \w+|our \w+))?\W*$",
    re.IGNORECASE,
)


# "according to the slides ppo uses a value model, why?": where the learner read it is no part of the question
_SOURCE_LEAD = re.compile(
    r"^(so |ok |okay )?(according to|as per|per|based on|from) (the|my|our|today'?s|last) (\w+ )?(slides?|lecture|"
    r"lectures|notes|book|textbook|reading|readings|prof|professor|teacher|video|chapter|tutorial)( today)?\W*\s*"
    r"(?=\w)",
    re.IGNORECASE,
)


# "What is a reward model? I want a precise definition that I can cite in my paper.", "what year was that, so i can
# cite it", "..., it's for my slides": what the answer is for, after the question, is no part of it
_WRITING = (
    r"(paper|essay|slides?|presentation|report|thesis|draft|talk|poster|assignment|deck|lit review|literature review|"
    r"argument)"
)
_PURPOSE_END = re.compile(
    r"([,.;:!?]+\s*|\s+(?=so (that )?(i|we) can\b))("
    r"so (that )?(i|we) can (cite|quote|use|put|include|add|reference|paste|write|copy)\b[^?]*"
    r"|(i|we) (want|need|would like|'d like|d like|am looking for|'m looking for|m looking for|have to have) "
    r"(a |an |some |the |one |two |three |\d+ )?([\w-]+ ){0,2}(definitions?|examples?|cases?|answers?|explanations?|"
    r"summary|summaries|sentences?|lines?|quotes?|sources?|citations?|references?|wording|version)\b[^?]*"
    rf"|(it'?s |its |this is |that'?s |thats )?for (my|our|the|a) ([\w-]+ ){{0,2}}{_WRITING}\b[^?]*"
    # "... ? im arguing rlhf can make models worse at some things": the learner's own thesis, after the question
    r"|(i'?m|im|i am|we'?re|we are) (arguing|trying to argue|trying to show|claiming|writing about)\b[^?]*"
    rf"|(my|our) {_WRITING} (argues|says|claims|is about)\b[^?]*"
    r")\W*$"
    # "a concrete example of one training instance I can put in my essay?"
    r"|\s+((that|which) )?(i|we) (can|could) (cite|quote|use|put|include|paste|reference)( it| this| that| them)? "
    rf"(in|into|on|for) (my|our|the|a) ([\w-]+ ){{0,2}}{_WRITING}\b\W*$",
    re.IGNORECASE,
)


def without_circumstances(text: str) -> str:
    """The message without when the learner is tested ("explain dpo, my exam is tmrw" -> "explain dpo"), who else
    asks it ("my manager asks why ..., what should i tell him" -> "why ...") or where they read it ("according to
    the slides ..."); the message itself when nothing else is left."""
    rest = _EXAM_LEAD.sub("", _EXAM_END.sub("", text)).strip()
    rest = _REPORTED_LEAD.sub("", _REPORTED_END.sub("", rest)).strip()
    rest = _SOURCE_LEAD.sub("", rest).strip()
    rest = _PURPOSE_END.sub("", rest).strip() or rest
    return rest or text


_FRAMED = re.compile(
    r"^((what|what's|whats|what is|what are|explain|tell me|describe)( me)? )?(the )?(main |real |actual |exact )?"
    r"((purpose|role|point|function|job|use|usage|aim)s? (of|for)|(intuition|idea|reasoning|logic|motivation) "
    r"(behind|of|for)|(pros and cons|advantages and disadvantages|strengths and weaknesses|benefits and drawbacks|"
    r"upsides and downsides) (of|for)) ",
    re.IGNORECASE,
)


# "ok im studying for the midterm. rlhf, what is it": what the learner is doing, before the question
_DOING = re.compile(
    r"^((ok|okay|so|hey|hi|hello|right)\W*\s+)*(i'?m|im|i am|we'?re|we are|currently)\s+(\w+\s+)?"
    r"(studying|revising|prepping|preparing|reviewing|cramming|working|reading|doing|going)\b[^.?!]{0,60}[.!:;]+\s+",
    re.IGNORECASE,
)


# "how do you get preference data in practice", "why align it in the first place": how the question is put, no topic
_HEDGE = re.compile(
    r",?\s*\b(in practice|in actual practice|in the first place|in real life|irl|in the real world|in reality|"
    r"to begin with|exactly|basically|literally|tho|roughly|more or less|sort of|kind of|"
    # "what are the steps of RLHF, in order?": the steps are in order; "in order to" is a purpose, and stays
    r"in (the right |the correct |the |chronological )?order(?!\s+(to|for|that|of)\b))\b",
    re.IGNORECASE,
)


# How the answer should look, not what it is about: "summarize rlhf in 3 bullet points", "dpo in one sentence"
_FORMAT = re.compile(
    r",?\s*\b((in|as|with|using) (a |an |one |1 |two |2 |three |3 |four |4 |five |5 |a few |some |short )*"
    r"(bullet points|bullet point|bullets|bullet list|list form|numbered list|points|sentences|sentence|lines|line|"
    r"paragraphs|paragraph|tweet)( or (less|fewer|so))?|(in )?(point|bullet) form|"
    r"(in )?(under )?\d+ words( or (less|fewer|so))?)\b",
    re.IGNORECASE,
)


def without_format(text: str) -> str:
    """The message without a request for the answer's form ("in 3 bullet points", "in one sentence")."""
    plain = re.sub(r"\s+([?!.])", r"\1", _FORMAT.sub("", text)).strip(" ,")
    return text if form_only(text) else plain or text


def form_only(text: str) -> bool:
    """ "like in one sentence", "ok now in bullet points": only the form is asked for, of the last answer."""
    if not _FORMAT.search(text):
        return False
    return not set(re.findall(r"[a-z']+", _FORMAT.sub("", text).lower())) - _FORM_ONLY


_FORM_ONLY = frozenset(
    "like and so ok okay pls please now just can could you u it that this again but maybe say put write in "
    "give me explain summarize summarise".split()
)


_SAID_AGAIN = re.compile(
    r"(like|i mean|as in|aka|basically|so basically|in other words"
    # "how do they build an sft dataset? is it just scraped reddit answers": the learner's guess at the answer
    r"|(or |so )?(is|are|do|does) (it|they|that|this|the data|the answers?) (just|only|basically|all|mostly|simply|"
    r"like|literally)|(or )?(just|only|basically) [\w-]+ [\w-]+)\b",
    re.IGNORECASE,
)


# "what makes aligning llms so hard?" asks why it is hard: the reason, not what "makes" names
_WHAT_MAKES = re.compile(
    r"^(what|wat|wht) (makes|made|make) (?P<what>.+?) (?P<how>(so |really |that |such an? |more |less )?(hard|harder|"
    r"difficult|tricky|challenging|complicated|tough|expensive|costly|slow|unstable|risky|dangerous|important|"
    r"necessary|needed|different|special|better|worse|useful|effective|safer|cheaper|easier|popular)\b)",
    re.IGNORECASE,
)


def why_made(text: str) -> str:
    """ "what makes aligning llms hard? ..." as "why is aligning llms hard? ..."; other text as it is."""
    return _WHAT_MAKES.sub(lambda m: f"why is {m.group('what')} {m.group('how')}", text, count=1)


def question_part(text: str) -> str:
    """The message without the chat that leads into it ("hmm ok. what is the KL penalty" -> "what is the KL
    penalty") and the learner's situation around it ("i missed the part about X, what did i miss" -> "X"), for
    retrieval: those words pull the question's vector away from the course."""
    rest = why_made(
        _ABOUT_A_QUESTION.sub(
            "", _LEAD_ANY_CASE.sub("", _DOING.sub("", what_first(without_format(without_circumstances(text.strip())))))
        )
    )
    topic = _SITUATION_END.sub("", _ASIDE.sub("", _SITUATION.sub("", rest))).strip()
    # "someone on reddit said dpo is rlhf with extra steps, is that right": the claim is what is asked about
    claim = _HEARSAY_END.sub("", _HEARSAY.sub("", topic)).strip()
    if claim != topic and len(claim.split()) >= 3:
        topic = claim
    # "which models are in the rlhf loop? like how many networks are we juggling": the question, then the same
    # question in other words
    asked, mark, again = topic.partition("?")
    if mark and len(asked.split()) >= 4 and _SAID_AGAIN.match(again.strip()):
        topic = asked + mark
    if topic != rest.strip() and topic:
        rest = topic
    plain = _HEDGE.sub("", rest).strip()
    if plain:
        rest = plain
    # "what is the purpose of the reward model": the reward model; "purpose" drew the concepts that quote Wiener's
    # "purpose put into the machine" ahead of it (no concept's title uses these words)
    rest = _SYMBOL_NOUN.sub(r"\1", rest)
    framed = _FRAMED.sub(" ", rest).strip()
    if framed and not _POINTER.fullmatch(framed.rstrip("?!. ").lower()):  # "what is the use of it": as it is
        rest = framed
    return rest if rest.strip() else text


# "like what did he actually say", "i mean the rm replaces the humans?", "not just rlhf i mean": the learner goes on
# with their own last question, saying more of what they meant, not asking about the answer ("like what?" and
# "like how?" alone ask for an example or the how of the answer: those stay follow-ups)
_ELABORATES = re.compile(
    r"^(like|i mean|i meant|as in|meaning|specifically|not just|not only)\b(?!\W*(what|how|why|when|where|which|who)\W*$)"
    r"|\bi mean\W*$"
    # "from the alignment slides", "idk what its called": where the last question came from, or that the learner
    # can't name it
    r"|^(it'?s |its |it was |this is |that'?s )?(from|in|on) (the|my|our|this|that|today'?s|last|a) ([\w-]+ ){0,2}"
    r"(slides?|lecture|class|lesson|book|textbook|chapter|reading|notes|video|homework|quiz|exam|paper)\W*$"
    r"|^(idk|i don'?t know|i dont know|dunno|not sure|i forgot|forgot)( what (it'?s|its|it is|the thing is) called|"
    r" the (name|word|term)| what to call it)\W*$"
    # "seems way easier to just give scores", "i thought sft was enough": the learner pushes back on the answer to
    # their question; it is answered again, as the whole question
    r"|^((but|hmm+|well|ok|okay|still|yeah but)\W*\s+)*(it |that |this )?(seems?|sounds?|feels?|looks?) (way |much |a lot |so |"
    r"kinda |really |pretty )?(easier|simpler|better|faster|cheaper|harder|worse|more|less|like)\b"
    r"|^((but|hmm+|well)\W*\s+)*i (thought|assumed|figured|was told|heard)\b"
)
# "and for dpo?", "what about DPO", "same for PPO?", "and in dpo": the last question again, of another topic
_SWAP = re.compile(
    r"^(and |but |ok |okay |so )?(what about|how about|and for|and in|and with|and|same (thing )?for|same with|"
    r"same in|what if it'?s|now for|now)\s+(?:the\s+)?(?P<topic>[\w'-]+(?:\s+[\w'-]+){0,2}?)\W*$"
)
_NOT_A_TOPIC = re.compile(
    rf"^({_ANAPHOR_WORDS}|why|how|what|so|then|then what|that one|this one|if|when|more|me|you|u|examples?|"
    r"(the )?(first|second|third|fourth|last|other|former|latter)( one| ones| step| part)?|others?)$"
)


def goes_on(text: str) -> bool:
    """Might the message go on with the learner's last question, or ask it of another topic (`restate`)?"""
    t = _clean(text)
    return bool(_ELABORATES.search(t) or _SWAP.match(t))


def swap_topic(text: str) -> str:
    """The topic a message asks the last question of ("dpo" in "and for dpo?", "schnitzel" in "what about
    schnitzel?"), or "" when it names none."""
    swap = _SWAP.match(_clean(text))
    topic = swap.group("topic").strip() if swap else ""
    if not topic or _NOT_A_TOPIC.match(topic) or bare_answer(topic) or small_talk(topic):
        return ""
    return topic


_OWN_QUESTION = re.compile(
    r"^(like|i mean|as in|specifically)\W+((what|how|why|which|who|where|when) (is|are|was|were|do|does|did|can|could|"
    r"should|would|will)\b.*)"
)


def own_question(text: str) -> str:
    """The question after a word of chat ("like what does alignment mean for an llm"), when it is a whole question
    of five words or more; else ""."""
    found = _OWN_QUESTION.match(_clean(text))
    return found.group(2) if found and len(found.group(2).split()) >= 5 else ""


def restate(text: str, said: str, names: tuple[str, ...]) -> tuple[str, bool]:
    """The whole question a message stands for, after the learner's last question `said` (answered from the
    concept called `names`), and whether it is of another topic: the two together when it goes on with that
    question ("like list them"), or that question of another topic when it only names one ("and for dpo?" after
    "what does beta do in the rlhf kl penalty" is "what does beta do in the dpo kl penalty"); "" when it is a
    question of its own."""
    t = _clean(text)
    if not said.strip():
        return "", False
    if _ELABORATES.search(t) and len(t.split()) >= 2:
        rest = re.sub(r"^(like|i mean|i meant|as in|meaning|specifically)\W+|\W*\bi mean\W*$", " ", t).strip()
        if len(rest.split()) < 2:
            return "", False  # "like seriously": a word of chat, not more of the question
        return f"{said.strip()} {rest}".strip(), False
    topic = swap_topic(t)
    if not topic:
        return "", False
    # the last question's name of its concept, the longest first ("the rlhf kl penalty": "rlhf")
    for name in sorted((n for n in names if n.strip()), key=len, reverse=True):
        found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", said, re.IGNORECASE)
        if found:
            return f"{said[: found.start()]}{topic}{said[found.end() :]}".strip(), True
    return "", False


_PRONOUN = re.compile(r"\b(it|they|them|its|their)\b")


# two names the learner's last message opened with: "sft and rlhf both ...", "dpo vs rlhf, ..."
_PAIR = re.compile(
    r"^([\w-]+(?: [\w-]+)? (?:and|or|vs\.?|versus) [\w-]+(?: [\w-]+)?)\b(?= (?:both|are|is|do|does|,)|,)"
)


# "the middle one, how does that get trained": the word after the position that stands for the item
_ITEM_POINTER = re.compile(r"\b(it|that|this|they|them)\b")


def resolve(text: str, said: str) -> str:
    """The follow-up with its first pronoun replaced by what the learner's last question named, when that was a
    name of three words at most ("how are they trained tho" after "ok reward models" is "how are reward models
    trained tho"), or its ordinal by the item of the list the learner wrote ("the middle one, how does that get
    trained" after "so rlhf = sft, then a reward model, then ppo right?" is "how does a reward model get trained");
    "" when there is nothing to replace or nothing short to replace it with."""
    last = _LEAD.sub("", _clean(said)) or _clean(said)
    subject = _subject(last)
    t = _clean(text)
    position = _ORDINAL_ONE.search(t)
    if position:
        item = nth(listed(said), _POSITION[position.group(1)])
        if not item:
            return ""
        head, rest = t[: position.start()], t[position.end() :]
        if re.match(r"\s*[,:\-–—]", rest) and _ITEM_POINTER.search(rest):
            return head + _ITEM_POINTER.sub(item, re.sub(r"^\s*[,:\-–—]\s*", "", rest), count=1)
        return head + item + rest
    pair = _PAIR.match(last)
    if pair and re.search(r"\b(them|they|both|either)\b", t) and not _NOT_A_TOPIC.match(pair.group(1)):
        # "sft and rlhf both fine tune the model right" + "whats different between them"
        subject = pair.group(1)
    if not subject or len(subject.split()) > 3 or not _PRONOUN.search(t) or _NOT_A_TOPIC.match(subject):
        return ""  # "the second one": no name
    return _PRONOUN.sub(lambda m: f"{subject}'s" if m.group(1) in ("its", "their") else subject, t, count=1)


# "wait so the reference model is what exactly": "what is" put last, as people say it when they check
_WHAT_LAST = re.compile(
    r"^(?P<lead>((wait|so|ok|okay|and|but|hmm+|sorry)\W*\s+)*)(?P<x>[\w'\- ]{3,40}?)\s+(?P<be>is|are)\s+what"
    r"(?P<tail>(\s+(exactly|again|tho|though|even|now|here|then))*)\s*\??\s*$",
    re.IGNORECASE,
)


# "what is rlhf and why does it need a reward model": the definition comes with any answer on the concept; the
# second question is what is asked of it
_AND_THEN = re.compile(
    r"^(?P<lead>((wait|so|ok|okay|and|but|hmm+|sorry|unrelated( but)?|off[- ]topic( but)?|random (q|question)|"
    r"quick (q|question)|btw|also)\W*\s+)*)(what is|what's|whats|what are|who is|who was|"
    r"explain|define)\s+(?P<x>[\w'\- ]{2,40}?),?\s+and\s+(?P<rest>(why|how|what|when|where|which|who|does|do|"
    r"is|are|can|should|would)\b.*\b(it|they|them|its|their|he|she|his|her)\b.*)$",
    re.IGNORECASE,
)


def what_first(text: str) -> str:
    """The question with "what is" in front ("the reference model is what exactly" -> "what is the reference model
    exactly"); of "what is X and why does it ...", the second question about X ("why does X ..."); else as it is."""
    found = _WHAT_LAST.match(text.strip())
    if found:
        return f"{found['lead']}what {found['be']} {found['x']}{found['tail']}?"
    both = _AND_THEN.match(text.strip())
    if both and not re.search(r"\b(and|or|vs|versus)\b", both["x"]):
        x = re.sub(r"^(the|a|an)\s+", "", both["x"].strip())
        rest = re.sub(
            r"\b(it|they|them|its|their|he|she|his|her)\b",
            lambda m: f"{x}'s" if m.group(1).lower() in ("its", "their", "his", "her") else x,
            both["rest"],
            count=1,
        )
        return f"{both['lead']}{rest}"
    return text


def classify(text: str) -> Intent:
    """The intent of one message. Never raises; unknown shapes are a plain question."""
    if form_only(text):  # "now in bullet points": the last answer, again
        return Intent(DEFINITION, follow_up=True)
    plain = without_format(without_circumstances(text))
    both = _AND_THEN.match(plain.strip())
    text = what_first(plain)
    text = _DOING.sub("", text) or text  # "ok im studying for the midterm. rlhf, what is it": the question
    intent = _classify(text)
    if intent.kind in (SMALL_TALK, QUIZ_ANSWER, OVERVIEW, STUDY_NEXT, MY_PROGRESS):
        return intent
    if both and text != plain:
        intent = dataclasses.replace(intent, defines=re.sub(r"^(the|a|an)\s+", "", both["x"].strip().lower()))
    if CONSEQUENCE.match(_without_lead(text)) and not confirms(text):  # "so if it doesnt know, it says so?"
        # "what happens if you set beta too high": what follows from the last answer, when there is one
        short = len(_strip_punct(_without_lead(text)).split()) <= LEANING_LENGTH
        intent = dataclasses.replace(intent, consequence=True, follow_up=intent.follow_up or short)
    if not _VAGUE.search(_clean(text)):
        return intent
    return dataclasses.replace(intent, vague=True)


def _classify(text: str) -> Intent:
    t = _clean(text)
    checking = confirms(t)
    opens_with_a_check = checks_first(t)  # "so B wins? why not A, A has more info"
    # "so what actually gets trained then": opened with "so" and closed with "then", it goes on from the last answer
    so_then = bool(re.match(r"^((ok|okay|wait|hmm|oh)\W*\s+)?(so|and so|but then)\b.*\bthen\W*$", t))
    if not bare_answer(t) and not small_talk(t):
        t = _LEAD.sub("", t) or t  # "ok so what is ...", "thanks! and why ...": the question is what follows
        t = _HEARSAY.sub("", t) or t  # "someone on reddit said dpo is rlhf with extra steps": the claim
        t = _ABOUT_A_QUESTION.sub("", t) or t
    t = why_made(t)
    if not t:
        return Intent(QUESTION)
    if bare_answer(t):
        return Intent(QUIZ_ANSWER)
    social = small_talk(t)
    if social:
        return Intent(SMALL_TALK, social=social)
    overview = _request(_OVERVIEW, t)
    # "por donde empiezo? everything looks scary" is the course's start; "i need to write the root cause plan. where
    # do i even start" is the plan's
    if overview and (overview.string == t or not _TELLER.search(t.replace(overview.group(0), " "))):
        return Intent(OVERVIEW)
    if _request(_STUDY_NEXT, t):
        return Intent(STUDY_NEXT)
    if _request(_MY_PROGRESS, t):
        return Intent(MY_PROGRESS)
    words = _strip_punct(t).split()
    short = len(words) <= 7
    ordinal_match = _ORDINAL_RE.search(t)
    ordinal = _ORDINAL[ordinal_match.group(1)] if ordinal_match else None
    position = _ORDINAL_ONE.search(t)
    if position and ordinal is None:
        ordinal = _POSITION[position.group(1)]  # "the middle one"
    part_of = PART_OF.search(t)
    first_clause = re.split(r"[,;:?]", t)[0]  # "why is there a KL thing in it" of "... in it? feels random"
    first_words = len(_strip_punct(first_clause).split())
    follow_up = (
        checking
        or bool(part_of and len(words) <= 10)
        # "whats the actual quote or idea tho": the one thing the last answer turned on
        or the_point(t)
        # "is that right or is it the other way round": the last answer's two, turned round
        or len(words) <= 12 and turns_round(t)
        # "why tho, wouldnt it learn faster without it": a question that points back may run a little longer, or
        # longer still after a short first clause ("but why would that happen, isnt it doing what we told it") or
        # first question ("but how is it trained?? what data does it even learn from")
        or (len(words) <= LEANING_LENGTH or first_words <= 6)
        and _leans_back(t)
        # "where does it ...", "how much data do you need for that": not "... and is lora on it?" (its own topic)
        and bool(
            _POINTER.search(" ".join(words[:4]))
            # "ok and how is that relevant to chatgpt", "why does this matter": how or why of what was said
            or re.search(
                r"\b(how|why) (is|was|does|did|would|will|can|could) (that|this)\b", " ".join(words[:4])
            )
            or re.search(r"\b(for|about|with|do|of|on|like) (that|this)$", t.rstrip(" ?!."))
            # "why is there a KL thing in it? feels random": the first question ends on what was said
            or re.search(r"\b(in|inside|of|for|about|with|on|behind|from) (it|them)$", first_clause.rstrip(" !."))
            # "can u walk me through each one step by step": each of what was just named
            or re.search(
                r"\b(each|every) (one|of them|of those|step|stage|part|phase)\b|\b(all|both) of (them|those)\b",
                t,
            )
        )
        # "how is it actually computed while training? per token or what": "it" the subject of the question
        # itself, in a first question of a few words more
        or first_words <= 9
        and bool(_IT_ASKED.match(t))
        # "why tho, why not just max the reward": a bare "why" first, then the question it stands for
        or len(words) <= 14
        and opens_with_why(t)
        # "what are some ways the model can still go wrong?" after what RLHF leaves unsolved: it goes on from there
        or first_words <= 12
        and bool(_GOES_ON_FROM.search(t))
        or short
        and so_then
        # "and do the model weights change at all?": a yes-or-no question joined on to the last answer, about "the"
        # thing it was about
        or len(words) <= 8
        and joined(text)
        # "so whats the alternative", "and the other option?": a few words after "so", the definite article pointing
        # back
        or len(words) <= 5
        and bool(
            re.match(
                r"^((ok|okay|wait|hmm|oh)\W*\s+)?(so|and|but)\b[^?]*\bthe (alternative|other|catch|point|"
                r"difference|problem|issue|trick|idea|reason|alternatives|options?|limit|limits)\b",
                _clean(text),
            )
        )
        or short
        and (
            _leans_back(t)
            or bool(ordinal is not None and re.search(r"\b(one|item|point|step|part|thing)s?\b", t))
        )
        # "cool. the middle one, how does that get trained": a position in what was just said
        or len(words) <= 12
        and bool(position)
        # "why not just give each answer a score from 1 to 10 then": the learner's alternative to what was just said
        # ("then why not just have humans score everything directly?": "then" first)
        or len(words) <= 16
        and bool(re.match(r"^((but|so|ok|okay|hmm+|wait|then)\W*\s+)*why (not|don'?t|dont|can'?t|cant|wouldn'?t)\b", t))
        and bool(re.search(r"\bthen\W*$", t) or re.match(r"^((but|so|ok|okay|hmm+|wait)\W*\s+)*then\b", t))
        # "so B wins? why not A, A has more info": a check of the last answer first, then more about it
        or len(words) <= 16
        and opens_with_a_check
        # "what should we do first?" after a case: its first step ("what should i do first" with nothing said
        # before is what to study, `_STUDY_NEXT`)
        or len(words) <= 8
        and bool(_FIRST_MOVE.match(t))
    )
    subject = _subject(t)
    if re.match(r"^(and )?(what about|how about)\b", t):
        return Intent(QUESTION, True, (), subject, ordinal)

    # "why train a reward model instead of just asking humans": the reason for one choice, not the two side by side
    asks_why = bool(re.match(r"^(and |but |so )?why\b", t)) and not re.search(
        r"\b(vs\.?|versus|differen\w*)\b", t
    )
    # "how does it know which one is better": a question about how it judges, not two things side by side
    judges_which = bool(_JUDGES_WHICH.search(t)) and not re.search(
        r"\b(vs\.?|versus|differ\w*|compared?)\b", t
    )
    # "so humans compare two answers and pick the better one": comparing is what the people in the method do
    marked = _COMPARE_MARK.search(_COMPARING_ACT.sub(" ", t))
    if (marked or _WHICH.search(t)) and not asks_why and not judges_which:
        sides = _sides(t)
        if sides or _WHICH.search(t) and not _LIST.search(t):  # "the different strategies": a list
            # "how is it different from prompting?" compares the last answer's concept with prompting
            leans = any(anaphoric_side(side) for side in sides)
            # "so which is better?": short, no sides named, so about what was just compared
            # "which one would you pick for a quick demo": one of the two just compared, however long
            of_two = bool(
                re.match(r"^(so |and |but |ok |okay )?which (one|ones|of them|of the two|of these)\b", t)
            )
            return Intent(
                COMPARISON, leans or (follow_up or short or of_two) and not sides, sides, subject, ordinal
            )
    if _SIMPLER.search(t) and len(words) <= 10:
        rest = _SIMPLER.sub(" ", subject)
        rest = re.sub(
            r"\b(it|that|this|again|in|say|put|explain|can you|could you|please|pls|plz|more|a bit|bit|"
            r"way|words|terms|me|like|i'm|im|to|for|one|the|a|give|tell|show|just|only|some|of|but|ok|okay|"
            r"so|and|sorry|lol|honestly)\b",
            " ",
            rest,
        )
        if not rest.strip() or _ANAPHOR.search(t):
            return Intent(DEFINITION, True, (), "", ordinal)  # the gist: the concept's one-line summary
    looks = re.search(r"\b(?:what|how) (?:does|do|would|should|did) (.+?) (?:even |actually |really )?look like\b", t)
    if looks:  # "what does instruction tuning data even look like": an example of it
        return Intent(
            EXAMPLE, follow_up and bool(_ANAPHOR.search(looks.group(1))), (), looks.group(1), ordinal
        )
    if re.search(
        # "can u give a non llm example", "any real world examples"
        r"\b(give|show|got|have|any|need)( me| us)?( an?| some| one| another| more)?( [\w-]+){0,3}? examples?\b"
        r"|\bexample (pls|please)\b|^(an? )?examples?\b|\bfor example\b\W*$",
        t,
    ):
        return Intent(EXAMPLE, follow_up or short, (), subject, ordinal)
    if _DRAWBACK.search(t) and not _DEFINITION_OF_COST.search(t):
        # "what's the catch?" names nothing: about the last answer
        bare = not _DRAWBACK_ONLY.sub(" ", t).strip()
        return Intent(DRAWBACK, follow_up or bare or bool(short and _ANAPHOR.search(t)), (), subject, ordinal)
    if _LIST.search(t):
        return Intent(LIST, follow_up, (), subject, ordinal)
    if _WHY.search(t):
        return Intent(WHY, follow_up, (), subject, ordinal)
    if _HOW.search(t):
        return Intent(HOW, follow_up, (), subject, ordinal)
    if re.search(r"\b(example|examples|instance)\b", t) and short and _ANAPHOR.search(t):
        return Intent(EXAMPLE, True, (), subject, ordinal)
    quoted = _QUOTED.search(t)
    if quoted and re.search(r"\b(what|mean|means|meaning|refer|refers)\b", t):
        # "in rlhf when they say 'policy' what is that": the quoted word is what is asked about
        return Intent(DEFINITION, follow_up, (), quoted.group(1).strip(), ordinal)
    if _DEFINITION.search(t) and not CONSEQUENCE.match(t):
        return Intent(DEFINITION, follow_up, (), subject, ordinal)
    if len(words) <= 4 and "?" not in t.rstrip("?") and not follow_up:
        # a bare topic ("fine tuning??", "the reward thing"): say what it is
        return Intent(DEFINITION, False, (), subject, ordinal)
    return Intent(QUESTION, follow_up, (), subject, ordinal)
