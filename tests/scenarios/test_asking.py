"""Asking the tutor, written once and run on every platform: a cited answer, a follow-up, small talk, a
question for the instructors and their answer, and what the tutor refuses (mass mentions, oversized text,
unknown commands, instructors' commands for learners)."""

from __future__ import annotations

import re

import pytest

from tests.scenarios.driver import CHANNEL, CLASS, DM, INSTRUCTOR, PRIVATE, Driver, names_in, text

RLHF = "reinforcement-learning-from-human-feedback"
DPO = "direct-preference-optimization"
MASS_MENTIONS = ("@everyone", "@here", "<!channel>", "<!here>", "<!everyone>")


def title(driver: Driver, concept: str) -> str:
    return driver.tutor.course.concepts[concept].title


def cites(driver: Driver, said: str, concept: str) -> bool:
    """The answer names the course concept it quotes ("from the course: *Title*", "(course: Title)", ...)."""
    return re.search(r"(course|from)\W+" + re.escape(title(driver, concept)), said) is not None


def test_a_question_is_answered_from_the_course_and_cites_it(driver):
    said = text(driver.command("ask", "what is RLHF?"))
    assert cites(driver, said, RLHF), said
    assert "reward model" in said.lower() and "Learn next" in said


def test_an_answer_asked_in_the_channel_is_the_classs_a_refusal_is_the_askers(driver):
    answered = driver.command("ask", "what is RLHF?", place=CHANNEL)
    assert cites(driver, text(answered), RLHF) and all(s.visibility == CLASS for s in answered)
    refused = driver.command("ask", "recipe for pancakes", place=CHANNEL)
    assert "not sure" in text(refused) and all(s.visibility == PRIVATE for s in refused)
    if driver.direct_place:
        in_dm = driver.command("ask", "what is RLHF?", place=DM)
        assert in_dm and all(s.visibility == PRIVATE for s in in_dm)


@pytest.mark.parametrize("place", [CHANNEL, DM])
def test_a_follow_up_continues_the_conversation(driver, place):
    forwarded = driver.store.forwarded_count()
    first = text(driver.say("what is direct preference optimization?", place=place))
    assert cites(driver, first, DPO), first
    why = text(driver.say("why?", place=place))  # about the last answer, not a question for the instructors
    assert title(driver, DPO) in why and "not sure" not in why
    example = text(driver.say("give me an example", place=place))
    assert title(driver, DPO) in example and "not sure" not in example
    # another learner's "why?" leans on nothing of ada's: the tutor asks for the topic
    bobs = text(driver.say("why?", user="bob", place=place))
    assert title(driver, DPO) not in bobs and "ask again with its name" in bobs
    assert driver.store.forwarded_count() == forwarded


def test_a_student_compares_asks_for_details_and_examples_in_their_own_words(driver):
    forwarded = driver.store.forwarded_count()
    # chat before the question does not push it out of the course
    kl = text(driver.say("hmm ok. what is the kl penalty"))
    assert cites(driver, kl, RLHF) and "not sure" not in kl, kl
    driver.say("what is dpo?")
    compared = text(driver.say("how is it different from rlhf?"))  # "it": the last answer's DPO
    assert title(driver, DPO) in compared and title(driver, RLHF) in compared, compared
    beta = text(driver.say("what does beta do in it"))  # a detail of DPO: the sentence about β leads
    assert "β plays the same role" in beta, beta
    example = text(driver.say("can you give an example"))
    assert "not sure" not in example and title(driver, DPO) in example, example
    assert driver.store.forwarded_count() == forwarded


def test_small_talk_gets_a_short_reply_and_is_never_forwarded(driver):
    forwarded = driver.store.forwarded_count()
    hello = text(driver.say("hello"))
    assert hello and len(hello) < 400 and "/quiz" in hello
    assert "welcome" in text(driver.say("thanks, that helps")).lower()
    driver.say("what is RLHF?")
    ok = text(driver.say("ok"))
    assert ok and len(ok) < 200 and "/quiz" in ok
    assert driver.store.forwarded_count() == forwarded


def test_a_question_the_course_does_not_cover_reaches_the_instructor_and_their_answer_the_asker(driver):
    question = "when is the midterm exam?"
    said = text(driver.say(question, user="ada"))
    assert "instructors" in said and "not sure" in said
    listed = driver.command("inbox", user=INSTRUCTOR)
    assert question in text(listed) and all(s.visibility == PRIVATE for s in listed)
    [item] = [i for i in driver.store.inbox() if i.text == question]

    answer = f"answer {item.id} The midterm is in week 7. @everyone bring a pen."
    done = [s for s in driver.command("inbox", answer, user=INSTRUCTOR) if s.to == INSTRUCTOR]
    # the asker only ever wrote to the tutor (no slash command, which carries a name): still named, not an id
    assert f"Inbox #{item.id} is answered;" in text(done) and "is told" in text(done), text(done)
    assert names_in(done, "ada") == {"ada"}, text(done)
    [dm] = driver.direct_messages("ada", expect=1)
    assert f'You asked: "{question}"' in dm.text and "week 7" in dm.text
    assert "@everyone" not in dm.text  # defused, never a mass mention
    assert driver.direct_messages("bob") == [] and driver.direct_messages(INSTRUCTOR) == []


def test_a_mass_mention_is_never_echoed(driver):
    seen = driver.say("<!channel> what is @everyone RLHF <!here> @here?", place=CHANNEL)
    seen += driver.say("@everyone <!everyone> tell me about @here", place=DM)
    seen += driver.command("quiz", "@everyone <!channel> @here zzzz", place=DM)
    seen += driver.command("ask", "<!everyone> banana bread <!here|here>?")
    said = text(seen)
    assert len(seen) >= 4 and said
    for mention in MASS_MENTIONS:
        assert mention not in said
    # the unknown topic is echoed back, defused
    assert "couldn't find a topic" in said and "@\u200beveryone" in said


def test_an_oversized_question_gets_a_clear_message(driver):
    forwarded = driver.store.forwarded_count()
    said = text(driver.command("ask", "why " * 1250))  # 5,000 characters
    assert "characters long" in said and "limit is 4,000" in said and "shorten" in said
    said = text(driver.say("why " * 1250, place=DM))
    assert "limit is 4,000" in said
    assert driver.store.forwarded_count() == forwarded


def test_an_unknown_command_gets_a_clear_message(driver):
    seen = driver.command("frobnicate")  # on Slack: a command an older manifest still has
    said = text(seen)
    assert "/help" in said and "know" in said and all(s.visibility == PRIVATE for s in seen)


def test_an_instructors_command_is_refused_to_a_learner(driver):
    driver.say("when is the final exam?", user="bob")  # something the inbox would show
    for args in ("", "dismiss 1", "answer 1 Use ripe bananas."):
        seen = driver.command("inbox", args, user="ada")
        said = text(seen)
        assert "for instructors" in said, (args, said)
        assert "final exam" not in said and all(s.visibility == PRIVATE for s in seen)
    assert all(i.status == "open" for i in driver.store.inbox() if i.text == "when is the final exam?")


def test_a_learner_asking_about_their_own_studying_gets_what_next_and_progress_say(driver):
    forwarded = driver.store.forwarded_count()
    start = driver.tutor.course.concepts[driver.tutor.course.start].title
    nxt = text(driver.say("ok what should i study next?"))
    assert "Learn next" in nxt and start in nxt and "not sure" not in nxt, nxt
    doing = text(driver.say("how am i doing so far"))  # nothing answered yet: where to begin
    assert "No answers yet" in doing and "/quiz" in doing, doing
    # in words no rule lists, nearer the example requests than the course
    other = text(driver.say("what would be a good topic for me to do now"))
    assert "Learn next" in other and start in other, other
    # asked in the class's channel, it is still the learner's own business, as /progress is
    mine = driver.command("ask", "whats my progress", place=CHANNEL)
    assert "No answers yet" in text(mine) and all(s.visibility == PRIVATE for s in mine), mine
    assert driver.store.forwarded_count() == forwarded


def test_a_request_for_the_answers_form_is_not_read_as_its_topic(driver):
    said = text(driver.say("summarize rlhf in 3 bullet points"))
    assert cites(driver, said, RLHF) and "not sure" not in said, said


def test_what_to_learn_before_or_after_a_concept_is_the_courses_order(driver):
    course = driver.tutor.course
    dpo = "direct-preference-optimization"

    def plain(said: str) -> str:  # without the platforms' emphasis marks and the console's line breaks
        return " ".join(re.sub(r"[*_`]", "", said).split())

    before = plain(text(driver.say("what do i need to know before starting on dpo?")))
    assert before.startswith(f"Before {course.concepts[dpo].title}"), before
    assert all(course.concepts[c].title in before for c in course.prerequisites_of(dpo)[:3]), before
    after = plain(text(driver.say("what should i learn after instruction tuning")))
    assert after.startswith("After ") and "not sure" not in after, after


def test_a_student_who_chats_between_questions_is_answered_about_the_course(driver):
    forwarded = driver.store.forwarded_count()
    wait = text(driver.say("wait"))  # the learner will be back: nothing to answer or forward
    assert "take your time" in wait.lower() and "not sure" not in wait, wait
    # a question, then the same question in other words: answered, with the four models it asks about
    models = text(
        driver.say(
            "which models are involved during the rlhf training loop? like how many networks are we juggling"
        )
    )
    assert cites(driver, models, RLHF) and "value model" in re.sub(r"[\s>]+", " ", models), models
    assert "not sure" not in models
    # a bare "why" first, then the question it stands for: about the last answer, not a new topic
    why = text(driver.say("why tho, why not just max the reward"))
    assert title(driver, RLHF) in why and "not sure" not in why, why
    driver.say("what is best of n sampling")
    versus = text(driver.say("but vs rlhf? they both use a reward model so whats the difference"))
    assert title(driver, RLHF) in versus and "Best-of-N" in versus and "DPO" not in versus, versus
    assert driver.store.forwarded_count() == forwarded
    # small talk around a question the course does not cover is still that question: not covered
    capital = text(driver.say("random but whats the capital of australia, me and my roommate are arguing"))
    assert "doesn't cover" in capital, capital


def test_what_can_still_go_wrong_goes_on_from_the_last_answer(driver):
    driver.say("what are the main challenges in aligning llms")
    still = text(driver.say("what are some ways the model can still go wrong? failure modes"))
    assert "Challenges in LLM Alignment" in still and "not sure" not in still, still


def test_asking_about_a_quote_is_asking_about_what_was_said(driver):
    wiener = "early-origins-of-ai-alignment-norbert-wiener"
    quote = text(driver.say("ok whats the wiener quote about"))  # "quote" is how it is asked, not a topic
    assert cites(driver, quote, wiener) and "not sure" not in quote, quote
    chatgpt = text(driver.say("and what does that have to do with chatgpt"))
    assert title(driver, wiener) in chatgpt and "ChatGPT" in chatgpt, chatgpt


def test_when_the_exam_is_is_no_part_of_the_question(driver):
    forwarded = driver.store.forwarded_count()
    dpo = text(driver.say("explain dpo, my exam is tmrw"))
    assert cites(driver, dpo, DPO) and "not sure" not in dpo, dpo
    steps = text(driver.say("exam is thursday, what are the steps of rlhf"))
    assert "not sure" not in steps and "Got it" not in steps, steps
    assert driver.store.forwarded_count() == forwarded


def test_a_follow_up_with_it_in_the_middle_is_asked_of_the_last_topic(driver):
    forwarded = driver.store.forwarded_count()
    driver.say("what does dpo stand for")
    liked = text(driver.say("ok and why do ppl like it more than ppo"))
    assert cites(driver, liked, DPO) and "not sure" not in liked, liked
    assert re.search(r"simpler|stable|cheaper", liked), liked
    driver.say("whats instruction tuning")
    data = text(driver.say("do u need a ton of data for it"))
    assert "not sure" not in data and re.search(r"small|few|number|amount", data), data
    assert driver.store.forwarded_count() == forwarded


def test_a_neighbouring_topic_far_from_the_course_is_not_forwarded(driver):
    forwarded = driver.store.forwarded_count()
    kmeans = text(driver.say("k-means algorithm steps?"))
    assert "doesn't cover" in kmeans and "passed your question" not in kmeans, kmeans
    assert driver.store.forwarded_count() == forwarded


def test_the_purpose_of_a_thing_is_asked_of_the_thing(driver):
    purpose = text(driver.say("what is the purpose of the reward model"))
    # "purpose" drew the concepts that quote Wiener's "purpose put into the machine"
    assert "Complexity of Human Values" not in purpose and "Wiener" not in purpose, purpose
    assert "reward model" in purpose.lower() and "not sure" not in purpose, purpose
    kindly = text(driver.say("What is the purpose of reward model? Kindly explain with example."))
    assert "Complexity of Human Values" not in kindly and "not sure" not in kindly, kindly


def test_a_question_of_its_own_after_like_is_not_more_of_the_last_one(driver):
    driver.say("what is ai alignment in robotics?")
    llm = text(driver.say("like what does alignment actually mean for an llm, in normal words"))
    assert cites(driver, llm, "llm-alignment") and "robot" not in llm.lower(), llm
    annotators = text(driver.say("how do you collect human feedback"))
    assert "not sure" not in annotators, annotators


def test_what_someone_said_is_asked_about_as_the_claim(driver):
    forwarded = driver.store.forwarded_count()
    four = text(driver.say("someone said rlhf with ppo needs like 4 models loaded at once which sounds insane"))
    assert "not sure" not in four and "value model" in four, four
    assert driver.store.forwarded_count() == forwarded


def test_what_makes_it_hard_asks_why_it_is_hard(driver):
    hard = text(driver.say("what makes aligning llms hard? list the main headaches"))
    assert cites(driver, hard, "challenges-in-llm-alignment") and "not sure" not in hard, hard


def test_which_is_better_after_a_claim_that_one_beats_the_other_weighs_the_two(driver):
    driver.say("X says dpo beats ppo every time")
    better = text(driver.say("so which one is actually better?"))
    assert cites(driver, better, DPO) and re.search(r"simpler|more stable|cheaper", better), better


def test_a_bare_follow_up_is_ranked_by_the_learners_own_name_for_the_topic(driver):
    # "why tho" after "why not just sft tho": SFT's sentences say "SFT", the concept's title is "Instruction
    # Alignment"; ranked with the title, the answer was the concept's opening line
    driver.say("what is rlhf")
    driver.say("why not just sft tho")
    why = text(driver.say("why tho"))
    assert re.search(r"expensive to write|no signal for doing better", why), why


def test_a_claim_that_one_method_is_another_is_answered_with_both_and_so_is_the_other_way_round(driver):
    claim = text(driver.say("someone on reddit said dpo is basically rlhf with extra steps"))
    rlhf = "reinforcement-learning-from-human-feedback"
    assert title(driver, DPO) in claim and title(driver, rlhf) in claim, claim
    turned = text(driver.say("is that right or is it the other way round"))
    assert "not sure" not in turned and title(driver, DPO) in turned and title(driver, rlhf) in turned, turned


def test_where_else_alignment_matters_points_at_robots_and_cars(driver):
    forwarded = driver.store.forwarded_count()
    areas = text(driver.say("name some domains besides chatbots where alignment matters"))
    assert "not sure" not in areas and "Robotics" in areas and "Autonomous Driving" in areas, areas
    assert driver.store.forwarded_count() == forwarded


def test_the_fever_example_of_the_seeds_is_explained(driver):
    fever = text(driver.say("in the fever example, why is the reply that says call a doctor more aligned?"))
    assert "not sure" not in fever and "103" in fever, fever
    assert "analysis-of-an-ai-assistants-behavior" in fever or "Analysis of an AI Assistant" in fever, fever


def test_a_description_asked_for_its_name_gets_the_concept_it_describes(driver):
    forwarded = driver.store.forwarded_count()
    named = text(
        driver.say("theres a term for when an ai does exactly what you optimized for but it backfires. whats that")
    )
    assert "Unintended Consequences of AI Optimization" in named and "doesn't cover" not in named, named
    assert driver.store.forwarded_count() == forwarded


def test_why_ppo_clips_says_what_too_large_an_update_does(driver):
    clip = text(driver.say("why does PPO clip the probability ratio? what would go wrong without the clipping"))
    assert "not sure" not in clip and re.search(r"too large|unstable", clip), clip
