"""The extractive composer on the bundled course with the real model: answers shaped by the question."""

from __future__ import annotations

import pytest

from bot.compose.composer import MAX_CHARS, ExtractiveComposer, defines
from bot.compose.intent import classify


@pytest.fixture(scope="module")
def composer(course, retriever):
    return ExtractiveComposer(course, retriever)


def answer(composer, retriever, question, previous=(), said=""):
    return composer.compose(
        question, classify(question), retriever.search(question, k=3), previous, said=said
    )


@pytest.mark.parametrize(
    ("question", "concept", "must"),
    [
        # a list question gets the whole list, not a sentence that names none of it
        (
            "what are the attributes of an aligned LLM?",
            "desirable-attributes-of-aligned-llms",
            ["helpful", "honest", "harmless"],
        ),
        # a definition leads with the concept's one-line summary
        ("what is RLHF?", "reinforcement-learning-from-human-feedback", ["reward model"]),
        # the typo'd "how" question: the citation is no longer where the quote stops
        (
            "hw does direct prefernce optimzation work",
            "direct-preference-optimization",
            ["Rafailov et al. (2023)"],
        ),
    ],
)
def test_answers_open_with_what_was_asked(composer, retriever, course, question, concept, must):
    result = answer(composer, retriever, question)
    assert result.confident and result.concepts[0] == concept
    text = result.text()
    for phrase in must:
        assert phrase.lower() in text.lower(), text
    assert len(text) < MAX_CHARS < 2000
    assert "Learn next" in text or "/quiz" in text


def test_a_definition_leads_with_the_summary(composer, retriever, course):
    result = answer(composer, retriever, "what is DPO?")
    lead = result.parts[0]
    assert lead.role == "lead" and course.concepts["direct-preference-optimization"].summary in lead.text
    assert any(p.role == "quote" and p.title for p in result.parts)  # supporting sentences, attributed


@pytest.mark.parametrize(
    ("summary", "subject", "expected"),
    [
        ("Fine-tuning adapts a pre-trained model to a specific downstream task", "fine tuning", True),
        ("A reward model stands in for human expert judges", "reward models", True),
        (
            "Direct Preference Optimization (DPO) trains an LLM on pairs",
            "direct preference optimization",
            True,
        ),
        ("PPO is the policy-gradient algorithm used in RLHF", "PPO", True),
        # what fine-tuning is used for, not what it is; and another subject that starts with the same word
        ("Fine-tuning is used at many points in building an LLM", "fine-tuning", False),
        ("Fine-tuning strategies are the choices about how to fine-tune", "fine-tuning", False),
        ("Prompting adapts an LLM to a new task", "fine-tuning", False),
        # a word of qualification before the subject: "what is alignment" is told by LLM Alignment
        ("LLM alignment is the process of guiding a large language model", "alignment", True),
        ("The overall goal of LLM alignment is a model that is both accurate", "alignment", False),
        ("AI alignment in robotics is the problem of making a robot", "alignment", False),
    ],
)
def test_a_summary_that_defines_its_subject(summary, subject, expected):
    assert defines(summary, subject) is expected


def test_a_general_term_is_defined_by_the_concept_that_defines_it(composer, retriever, course):
    # the closest concept is about where fine-tuning is used; the answer leads with what fine-tuning is
    result = answer(composer, retriever, "what is fine-tuning?")
    assert result.confident
    lead = result.parts[0]
    assert lead.role == "lead" and defines(course.concepts[lead.concept_id].summary, "fine-tuning")
    assert "task" in lead.text.lower()


def test_why_is_answered_by_the_concept_that_explains_it(composer, retriever):
    # two concepts nearly tied: the one whose sentence gives the reason leads
    result = answer(composer, retriever, "why are human values so hard to align a model to?")
    assert result.concepts[0] == "complexity-of-human-values-in-llm-alignment"
    assert "divers" in result.text().lower()
    # a question that names its concept stays with it, however close a neighbour's wording
    result = answer(composer, retriever, "why is there a KL penalty in RLHF?")
    assert result.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "close to a frozen reference model" in result.text()


def test_a_term_without_a_concept_is_defined_where_the_course_explains_it(composer, retriever):
    result = answer(composer, retriever, "what is PPO?")
    assert result.confident
    first = result.parts[0].text
    assert "PPO" in first and "policy" in first.lower()
    assert not first.lower().startswith("…simpler")


def test_a_comparison_puts_both_concepts_side_by_side(composer, retriever):
    result = answer(composer, retriever, "DPO vs RLHF?")
    assert {"direct-preference-optimization", "reinforcement-learning-from-human-feedback"} <= set(
        result.concepts
    )
    roles = [p.role for p in result.parts]
    assert roles[:2] == ["lead", "lead"] and "contrast" in roles


def test_a_comparison_of_three_puts_all_three_side_by_side(composer, retriever):
    result = answer(composer, retriever, "whats the difference between sft, rlhf and dpo")
    leads = [p.concept_id for p in result.parts if p.role == "lead"]
    assert leads == [
        "instruction-alignment",
        "reinforcement-learning-from-human-feedback",
        "direct-preference-optimization",
    ]
    # "which is cheapest": what a side says of its cost, with the sentence that says what "these costs" are
    cost = answer(composer, retriever, "sft vs rlhf vs dpo which is cheapest")
    contrast = next(p.text for p in cost.parts if p.role == "contrast")
    assert not contrast.startswith("These costs") and "These costs" in contrast, contrast


def test_how_a_concept_uses_a_detail_quotes_what_the_detail_does(composer, retriever):
    # the sentences nearest "ppo" were the PPO-ptx and four-models ones; the value model's own sentence answers
    result = answer(composer, retriever, "how does ppo use the value model")
    assert result.concepts[0] == "proximal-policy-optimization"
    assert "Advantages come from a value model" in result.parts[0].text, result.parts[0].text


def test_why_of_a_detail_named_by_its_acronym_alone_gives_the_reason_about_it(composer, retriever):
    # "kl" was no term: the sentence nearest "need" was quoted, on the costs that motivated DPO
    result = answer(composer, retriever, "why do we need the kl thing")
    assert result.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "Without this term" in result.parts[0].text, result.parts[0].text


def test_which_one_changes_the_weights(composer, retriever):
    result = answer(composer, retriever, "which one changes the weights, fine-tuning or prompting?")
    titles = " ".join(composer.course.concepts[c].title.lower() for c in result.concepts)
    assert "fine-tun" in titles and "prompt" in titles


@pytest.mark.parametrize(
    "question",
    [
        "what is the capital of Peru and its population in 1850?",
        "what is lora?",
        "how does lora work",  # a how, as much as a definition, of a term the course only mentions
        "explain multi-head attention",  # every word is the course's ("self-attention", "task head"), not the thing
        "recipe for pancakes",
        "how do I center a div in css",
    ],
)
def test_out_of_scope_is_not_covered_never_a_quote(composer, retriever, question):
    result = answer(composer, retriever, question)
    assert not result.confident
    assert not result.sources and "doesn't cover" in result.text() and "closest concepts" in result.text()


def test_the_drawbacks_of_a_course_method_are_answered_of_python_not(composer, retriever):
    drawbacks = answer(composer, retriever, "What are the drawbacks of best-of-N sampling?")
    assert drawbacks.confident and drawbacks.concepts[0] == "best-of-n-sampling"
    assert not answer(composer, retriever, "what are the drawbacks of python?").confident


def test_lora_is_worth_an_instructors_look_pancakes_are_not(composer, retriever):
    assert answer(composer, retriever, "what is lora?").related
    assert not answer(composer, retriever, "recipe for pancakes").related
    # asked what it is first, then something else of it: still a term the course only mentions
    both = answer(composer, retriever, "what is LoRA and should i use it for my class project?")
    assert not both.confident and "only mentions LoRA" in both.text()


def test_help_to_jailbreak_a_model_is_declined_with_what_the_course_teaches(composer, retriever):
    result = answer(composer, retriever, "how do i jailbreak chatgpt so it ignores its filters?")
    assert not result.confident and not result.related
    assert result.text().startswith("I won't help get around a model's safeguards")
    assert answer(composer, retriever, "how do jailbreaks get past a model's refusals?").confident


def test_a_follow_up_is_answered_about_the_previous_concept(composer, retriever):
    previous = ("desirable-attributes-of-aligned-llms",)
    result = answer(composer, retriever, "can they conflict?", previous)
    assert result.confident and result.concepts[0] == previous[0]
    assert "helpful" in result.text().lower()
    why = answer(composer, retriever, "why?", ("reinforcement-learning-from-human-feedback",))
    assert why.concepts[0] == "reinforcement-learning-from-human-feedback"


def test_a_vague_question_near_the_course_gets_a_best_guess_not_a_refusal(composer, retriever):
    result = answer(composer, retriever, "safety stuff pls")
    assert result.tentative and not result.confident and not result.related  # a guess, never forwarded
    assert "best guess" in result.text() and "ask again with its name" in result.text()
    # "the rl thing" was one until RL counted as a course term: it now gets RLHF's answer outright
    rl = answer(composer, retriever, "can u explain the rl thing")
    assert rl.confident and rl.concepts[0] == "reinforcement-learning-from-human-feedback"


def test_a_specific_question_just_under_the_bar_gets_a_guess_and_goes_to_the_instructors(composer, retriever):
    # informal wording of a course topic, scored between the guess line and the in-scope line
    result = answer(composer, retriever, "values differ across cultures how can one model handle that")
    assert result.verdict is not None and result.verdict.guess and not result.verdict.in_scope
    assert result.tentative and not result.confident and result.related  # a guess, and forwarded
    assert (
        "not sure the course covers exactly this" in result.text() and "passed your question" in result.text()
    )
    assert result.concepts == ("complexity-of-human-values-in-llm-alignment",)


def test_a_vague_question_far_from_the_course_is_still_not_covered(composer, retriever):
    result = answer(composer, retriever, "whats the deal with crypto stuff")
    assert not result.tentative and not result.confident and "doesn't cover" in result.text()


def test_how_leads_with_a_summary_that_already_says_how(composer, retriever, course):
    # "draws N candidate responses, scores each with a reward model and returns the highest-scoring one"
    result = answer(composer, retriever, "how does best-of-n work?")
    lead = result.parts[0]
    assert lead.role == "lead" and course.concepts["best-of-n-sampling"].summary in lead.text
    assert any(p.role == "quote" for p in result.parts)  # the supporting sentences still follow


def test_a_question_that_only_names_a_concept_is_answered_from_it(composer, retriever):
    # the model puts a bare name far from the passages about it: "who is norbert wiener" scored just under
    # the scope threshold and was forwarded, though a concept is named after him
    result = answer(composer, retriever, "who is norbert wiener")
    assert result.confident and result.concepts[0] == "early-origins-of-ai-alignment-norbert-wiener"
    assert "1960" in result.text()
    hinton = answer(composer, retriever, "who is geoffrey hinton")  # named nowhere in the course
    assert not hinton.confident and "doesn't cover" in hinton.text()


def test_a_comparison_with_it_compares_the_last_answers_concept(composer, retriever):
    dpo = ("direct-preference-optimization",)
    result = answer(composer, retriever, "how is it different from rlhf?", dpo)
    assert result.confident
    assert set(result.concepts[:2]) == {dpo[0], "reinforcement-learning-from-human-feedback"}
    prompting = answer(
        composer, retriever, "how is that different from prompting", ("instruction-alignment",)
    )
    assert set(prompting.concepts[:2]) == {"instruction-alignment", "prompting-in-language-models"}


def test_a_side_named_by_an_alias_is_that_concept(composer, retriever):
    # SFT is an alias of several concepts; the one that lists it first is about it
    result = answer(composer, retriever, "whats the difference between sft and rlhf")
    assert set(result.concepts[:2]) == {"instruction-alignment", "reinforcement-learning-from-human-feedback"}


def test_an_example_or_a_remedy_asked_of_the_last_answer_gets_only_sentences_of_that_kind(
    composer, retriever
):
    last = ("unintended-consequences-of-ai-optimization",)
    example = answer(composer, retriever, "can u give an example", last)
    assert example.parts[0].text.startswith("A classic example comes from OpenAI in 2016")
    remedy = answer(composer, retriever, "how do ppl prevent it", last)
    assert remedy.parts[0].text.startswith("Common counter-measures are a KL penalty")
    assert "surprising and often harmful behaviours" not in remedy.parts[0].text  # not the definition again


def test_which_is_cheaper_quotes_what_each_costs(composer, retriever):
    result = answer(
        composer,
        retriever,
        "which is cheapest",
        ("selecting-an-adaptation-strategy-for-a-pre-trained-model",),
    )
    assert "prompting costs nothing up front" in result.text()


def test_a_side_is_the_thing_itself_and_the_concept_that_defines_it(composer, retriever):
    # "regular finetuning": fine-tuning for a task, whose summary says what fine-tuning is (not where it is used)
    result = answer(composer, retriever, "how is instruction tuning different from regular finetuning")
    assert set(result.concepts[:2]) == {
        "instruction-alignment",
        "fine-tuning-pre-trained-models-for-downstream-tasks",
    }
    assert "specific downstream task" in result.text()


@pytest.mark.parametrize(
    ("previous", "must"),
    [
        ("best-of-n-sampling", "compute grows"),  # its cost, not its definition again
        ("reinforcement-learning-from-human-feedback", "Four models"),
    ],
)
def test_whats_the_catch_gives_the_costs_and_limits_of_the_last_concept(composer, retriever, previous, must):
    result = answer(composer, retriever, "what's the catch?", (previous,))
    assert result.confident and result.concepts[0] == previous
    assert must in result.parts[0].text


def test_what_is_a_part_of_a_concept_leads_with_the_sentence_that_says_what_it_is(composer, retriever):
    result = answer(composer, retriever, "what is the value model in ppo")
    assert result.concepts[0] == "proximal-policy-optimization"
    assert result.parts[0].text.startswith("Advantages come from a value model, or critic, which predicts")
    # a part the concept only mentions ("a preference pair") keeps the concept's gist first
    pairs = answer(composer, retriever, "what is a preference pair")
    assert pairs.parts[0].role == "lead"


def test_what_is_a_detail_in_a_named_concept_is_answered_from_that_concept(composer, retriever):
    # "policy" is a word of PPO's title, but the learner asks what it is in RLHF
    result = answer(composer, retriever, "in rlhf when they say 'policy' what is that")
    assert result.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert result.parts[0].text.startswith("In the third stage the language model is the policy")
    # a detail that names a concept of its own keeps that concept
    ppo = answer(composer, retriever, "what is ppo in rlhf")
    assert ppo.concepts[0] == "proximal-policy-optimization"
    assert ppo.parts[0].role == "lead"


def test_why_a_detail_of_a_named_concept_is_answered_with_the_reason_about_it(composer, retriever):
    # RLHF's definition is nearer the question; the reason is in the sentence about the penalty ...
    kl = answer(composer, retriever, "why is there a KL penalty in rlhf")
    assert kl.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "Without this term the policy can drift" in kl.parts[0].text
    # ... with the sentence "this term" leans on
    assert kl.parts[0].text.startswith("In practice a penalty")
    clip = answer(composer, retriever, "why clip the ratio in ppo")
    assert clip.parts[0].text.startswith("Because PPO reuses each batch")
    # and a "why?" that pushes back stays with the penalty
    again = answer(
        composer,
        retriever,
        "why tho, wouldnt it learn faster without it",
        ["reinforcement-learning-from-human-feedback"],
        said="why is there a KL penalty in rlhf",
    )
    assert "Without this term the policy can drift" in again.parts[0].text
    plain = answer(
        composer, retriever, "why?", ["reinforcement-learning-from-human-feedback"], said="what is rlhf"
    )
    assert "Without this term" not in plain.parts[0].text  # a "why?" after the definition is not about it


@pytest.mark.parametrize(
    "question", ["helpful vs harmless, dont those clash sometimes", "can helpful and harmless conflict?"]
)
def test_how_two_things_pull_apart_ends_with_what_follows_for_the_model(composer, retriever, question):
    text = answer(composer, retriever, question).parts[0].text
    assert text.startswith("These attributes can pull against each other")
    assert text.rstrip().endswith("An aligned model therefore balances the attributes according to context instead of maximising any single one.")


def test_another_concepts_name_is_no_detail_to_give_a_reason_about(composer, retriever):
    # "sft" read as a detail of RLHF drew RLHF's sentence on the KL term (its reference is "usually the SFT model")
    text = answer(composer, retriever, "why not just sft, why do we need rlhf too").text()
    assert "Without this term" not in text and "compare two responses far more easily" in text


def test_how_preference_data_is_collected_is_answered_by_the_preference_concept(composer, retriever):
    # "companies" drew the research-surge concept, and the question was refused
    result = answer(composer, retriever, "how do companies collect preference data?")
    assert result.confident and result.concepts[0] == "human-preference-alignment-via-reward-models"


def test_an_item_of_the_list_named_as_the_x_one_is_told_by_its_sentence(composer, retriever):
    hhh = ["desirable-attributes-of-aligned-llms"]
    result = answer(composer, retriever, "what does the honest one mean?", hhh, said="what is hhh")
    assert result.parts[0].text.startswith("Honest means")


def test_why_not_the_learners_alternative_is_told_by_the_reason_that_rules_it_out(composer, retriever):
    # the sentences nearest the question say what the reward model is; the alternative (people judging) draws what
    # the course says of people's judgements
    question = "why train a reward model at all instead of just having humans judge every answer?"
    assert "Comparing is easier and more consistent for people" in answer(composer, retriever, question).parts[0].text


def test_why_of_a_detail_two_named_concepts_share_is_told_by_the_one_that_gives_its_reason(composer, retriever):
    # PPO is nearer and named too, but its KL sentence gives no reason; its clip sentence's "terms" is not the KL term
    kl = answer(
        composer, retriever, "why is there a KL term in the ppo objective for rlhf? seems like it just holds the model back"
    )
    assert kl.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "reward hacking" in kl.parts[0].text


@pytest.mark.parametrize(
    "said, previous",
    [
        # the statement was answered from PPO; the learner named RLHF, whose sentences say why the term is there
        (
            "the RLHF objective in the notes has a KL term between the policy and the reference model",
            "proximal-policy-optimization",
        ),
        # the statement says too much for one detail; its acronym (KL) is the detail
        ("the rlhf loss has this kl term subtracted from the reward", "reinforcement-learning-from-human-feedback"),
    ],
)
def test_a_bare_why_after_a_statement_about_a_detail_gives_the_reason_for_the_detail(
    composer, retriever, said, previous
):
    result = answer(composer, retriever, "why is it there? it looks like an ordinary regulariser to me", [previous], said)
    assert "Without this term the policy can drift" in result.parts[0].text


@pytest.mark.parametrize("question", ["what are the steps of rlhf", "steps of rlhf list"])
def test_the_steps_of_a_named_concept_are_its_own_steps(composer, retriever, question):
    # "steps" pulls the alignment steps after pre-training first (in the second, well ahead); the question names
    # RLHF, whose recipe it wants
    result = answer(composer, retriever, question)
    assert result.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "(1) supervised fine-tuning" in result.parts[0].text


def test_what_a_detail_does_in_a_named_concept_is_the_sentence_about_it(composer, retriever):
    result = answer(composer, retriever, "what does beta do in dpo")
    assert result.parts[0].text.startswith("β plays the same role as the KL coefficient")


def test_why_a_named_concept_falls_short_is_answered_by_that_concept(composer, retriever):
    # the alignment steps after pre-training are nearest; the question names SFT, whose limits answer it
    result = answer(composer, retriever, "why doesnt sft alone fully align the model?")
    assert result.concepts[0] == "instruction-alignment"
    assert (
        "It can only imitate" in result.text() or "expensive to write" in result.text()
    )  # one of its limits


def test_why_after_a_definition_gives_the_reason_for_the_method(composer, retriever):
    rlhf = ["reinforcement-learning-from-human-feedback"]
    result = answer(composer, retriever, "why tho", rlhf, said="what is rlhf")
    assert "judging is easier than writing" in result.parts[0].text


def test_which_of_two_compared_comes_first_is_answered_with_a_sentence_that_orders_them(composer, retriever):
    sides = ["instruction-alignment", "reinforcement-learning-from-human-feedback"]
    result = answer(composer, retriever, "which one comes first", sides, said="sft vs rlhf?")
    contrast = next(p for p in result.parts if p.role == "contrast")
    assert "(1) supervised fine-tuning" in contrast.text or "addresses next" in contrast.text


def test_a_question_that_names_its_concept_is_answered_by_what_else_it_asks(composer, retriever):
    # within PPO, "ppo" tells no sentence from another: the sentences that say "PPO" were quoted, not the one
    # on the reward model
    result = answer(composer, retriever, "how does the reward model get used during ppo")
    assert result.concepts[0] == "proximal-policy-optimization"
    quote = next(p.text for p in result.parts if p.role == "quote")
    assert "the reward model scores only the finished response" in quote


def test_what_the_data_looks_like_is_answered_with_what_an_example_holds(composer, retriever):
    result = answer(composer, retriever, "what does instruction tuning data even look like")
    assert result.concepts[0] == "instruction-alignment"
    assert "Each example holds an instruction" in result.parts[0].text


def test_a_case_study_called_by_its_short_name_is_that_case_study(composer, retriever):
    # "go/no-go" is how students name it; "idk what to write" is how they ask, not a topic
    result = answer(composer, retriever, "the go/no-go case study, idk what to write")
    assert result.confident and result.concepts[0] == "go-no-go-internal-llm"


def test_which_one_after_a_single_concept_is_answered_from_its_sentences_not_its_title(composer, retriever):
    # after "what are the main approaches", "which one" picks among the approaches that concept sets out
    approaches = ["fundamental-approaches-to-llm-alignment"]
    said = "whats the main approaches to aligning an llm"
    result = answer(composer, retriever, "so which one does chatgpt use", approaches, said=said)
    assert result.concepts == ("fundamental-approaches-to-llm-alignment",)
    assert "RLHF" in result.parts[0].text and result.parts[0].role == "quote"
    assert [p.role for p in result.parts].count("lead") == 1  # the gist once, not twice


def test_a_list_question_goes_to_the_concept_that_lists_when_two_are_nearly_tied(composer, retriever):
    # "what alignment is" is as near as "the approaches to alignment", but only the second is a list
    result = answer(composer, retriever, "list the alignment methods we covered")
    assert result.concepts[0] == "fundamental-approaches-to-llm-alignment"
    assert result.parts[0].role == "lead"  # its summary is the list
    assert "direct preference optimization" in result.parts[0].text


def test_what_is_a_named_concept_in_a_wider_topic_is_that_concept(composer, retriever):
    result = answer(composer, retriever, "whats DPO in alignment?")
    assert result.concepts[0] == "direct-preference-optimization"
    # unless a concept's title says both
    robots = answer(composer, retriever, "what is alignment in robotics")
    assert robots.concepts[0] == "ai-alignment-in-robotics"


def test_what_is_a_phrase_goes_to_the_concept_that_uses_it(composer, retriever):
    # "value model" is nearest to human values by meaning; PPO is the concept that says it
    result = answer(composer, retriever, "what's a value model again")
    assert result.concepts[0] == "proximal-policy-optimization"
    assert "value model, or critic" in result.text()
    # and a phrase the closest concept does use keeps it
    reward = answer(composer, retriever, "what's the reward model for")
    assert reward.concepts[0] == "human-preference-alignment-via-reward-models"


def test_how_do_you_stop_it_gives_the_remedies(composer, retriever):
    result = answer(
        composer, retriever, "how do you stop it", ("unintended-consequences-of-ai-optimization",)
    )
    assert "Common counter-measures are a KL penalty" in result.text()


def test_what_is_a_name_leads_with_the_concept_so_named(composer, retriever):
    # "SFT" is instruction alignment's own alias; the steps after pre-training also mention it
    assert answer(composer, retriever, "what is sft").concepts[0] == "instruction-alignment"


def test_a_side_named_by_a_phrase_is_the_concept_that_uses_it(composer, retriever):
    # "value model" is closest in meaning to human *values*, which never say it; PPO's critic is the value model
    result = answer(composer, retriever, "whats the difference between a reward model and a value model")
    assert "proximal-policy-optimization" in result.concepts[:2]
    assert "aligning-large-language-models-with-human-values" not in result.concepts


@pytest.mark.parametrize(
    ("question", "previous", "lead"),
    [
        ("what happens if N is too big", "best-of-n-sampling", "With large N it becomes more likely"),
        ("what does beta do in it", "direct-preference-optimization", "β plays the same role"),
        ("what is honesty here", "desirable-attributes-of-aligned-llms", "Honest means"),
    ],
)
def test_a_follow_up_about_a_detail_leads_with_the_sentence_about_it(
    composer, retriever, question, previous, lead
):
    result = answer(composer, retriever, question, (previous,))
    assert result.confident and result.concepts[0] == previous
    assert result.parts[0].text.startswith(lead), result.parts[0].text


def test_can_they_conflict_leads_with_how_they_pull_apart(composer, retriever):
    hhh = "desirable-attributes-of-aligned-llms"
    for question, previous in (
        ("can they conflict?", (hhh,)),
        ("harmless vs helpful - don't those conflict sometimes?", ()),  # two parts of one concept
        ("can helpfulness and harmlessness conflict?", ()),
    ):
        result = answer(composer, retriever, question, previous)
        assert result.concepts[0] == hhh, question
        # the paragraph's own opening, with what follows it; not the last sentence of the paragraph before
        lead = result.parts[0].text
        assert lead.startswith("These attributes can pull against each other. Maximum"), question


def test_what_a_word_of_the_course_means(composer, retriever):
    result = answer(composer, retriever, "what is prompting exactly")
    assert result.concepts[0] == "prompting-in-language-models"  # the concept about prompting, not its cost
    result = answer(composer, retriever, "what is the policy in rlhf")
    assert "the language model is the policy, the agent that acts" in result.parts[0].text
    result = answer(composer, retriever, "what does proximal mean in ppo")
    assert '"proximal" means near' in result.text()


def test_what_is_alignment_is_told_by_the_concept_that_says_what_alignment_is(composer, retriever):
    for question in ("what is alignment", "alignment???"):
        result = answer(composer, retriever, question)
        assert result.confident and result.concepts[0] == "llm-alignment", (question, result.concepts)


def test_a_term_the_course_only_mentions_is_shown_where_it_is_mentioned_and_passed_on(composer, retriever):
    # before: "I'm not sure about that: as far as I can tell the course doesn't cover it", though it does name it
    result = answer(composer, retriever, "what is rlaif?")
    assert not result.confident and result.related  # still not taught, still the instructors' to answer
    text = result.text()
    assert text.startswith("I'm not sure") and "it only mentions RLAIF and doesn't cover it further" in text
    assert "AI feedback or RLAIF" in text and "Guidance Sources for LLM Alignment" in text
    assert "passed your question on" in text
    # a term it never names is still "not covered"
    assert "doesn't cover it" in answer(composer, retriever, "what is a kv cache?").text()


def test_why_anyone_would_choose_a_method_is_what_it_gains(composer, retriever):
    why = answer(composer, retriever, "why would anyone go with dpo")
    assert "simpler, more stable and cheaper" in why.text()


def test_an_example_after_a_detail_is_an_example_of_that_detail(composer, retriever):
    rlhf = ["reinforcement-learning-from-human-feedback"]
    example = answer(composer, retriever, "example?", rlhf, said="what is the kl penalty in rlhf for")
    assert "Without this term the policy can drift" in example.parts[0].text
    # an example of the method itself, after a question about the method, is not about the penalty
    plain = answer(composer, retriever, "example?", rlhf, said="what is rlhf")
    assert "Without this term" not in plain.parts[0].text


def test_walk_me_through_each_step_is_the_list_of_steps(composer, retriever):
    rlhf = ["reinforcement-learning-from-human-feedback"]
    steps = answer(
        composer,
        retriever,
        "can u walk me through each one step by step",
        rlhf,
        said="so rlhf is like 3 stages right",
    )
    assert "(1) supervised fine-tuning" in steps.text()
    # the concept is chosen first: "how does rlhf work step by step" is RLHF's own steps
    how = answer(composer, retriever, "how does rlhf work step by step")
    assert how.concepts[0] == rlhf[0] and "(1) supervised fine-tuning" in how.text()


def test_a_detail_no_sentence_defines_is_quoted_where_the_named_concept_places_it(composer, retriever):
    # no sentence says "the reference model is ...": the one that places it in RLHF, not RLHF's general opening
    result = answer(composer, retriever, "what is the reference model in rlhf")
    assert result.concepts[0] == "reinforcement-learning-from-human-feedback"
    assert "frozen reference model π_ref" in result.parts[0].text, result.parts[0].text


def test_a_runner_up_that_only_shares_the_names_does_not_explain_a_how(composer, retriever):
    # best-of-N's "... score every one with the reward model ..." was nearer by the model's measure than
    # "first train a reward model that predicts which responses people prefer"
    result = answer(composer, retriever, "how do you train a reward model from rankings")
    assert result.concepts[0] == "human-preference-alignment-via-reward-models", result.concepts


def test_a_why_does_not_quote_the_concepts_opening_definition(composer, retriever):
    # the opening sentence ("The shift ... is the change from ...") is nearest "<concept>. why ...", and says what the
    # shift is, not why it happened
    result = answer(composer, retriever, "why does alignment matter way more now than like 20 yrs ago")
    quote = next(p.text for p in result.parts if p.role == "quote")
    assert "is the change from" not in quote and "continue text the way the internet does" in quote, quote
