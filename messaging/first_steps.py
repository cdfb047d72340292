"""The first-step prompts of a new conversation: what each says, and the example
message a tap puts in the box. Pure functions, no database.

Staff write one prompt per line in the messaging settings. A line may give its
own example after a "|" ("Say when you're free | Hi! I'm free most evenings.");
the built-in prompts have theirs here. A prompt without one is put in the box as
it is written, which suits a question.
"""

from typing import NamedTuple

EXAMPLES = {
    "Say hello and when you're usually free": (
        "Hi! I'm usually free on weekday evenings. When is a good time for you?"
    ),
}


class FirstStep(NamedTuple):
    prompt: str
    example: str


def first_step(line: str) -> FirstStep:
    """Return the prompt a line shows and the example message it fills the box with."""
    prompt, _, example = (part.strip() for part in line.partition("|"))
    return FirstStep(prompt, example or EXAMPLES.get(prompt, prompt))


def first_steps(lines: list[str]) -> list[FirstStep]:
    return [step for step in map(first_step, lines) if step.prompt]
