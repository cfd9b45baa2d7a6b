# ruff: noqa: E501  (one prompt per line reads better than wrapped strings)
"""consistency: prompts with one short, determinate answer, run several times."""

from __future__ import annotations

# category -> [(prompt, reference answer)]
PROMPTS: dict[str, list[tuple[str, str]]] = {
    "facts": [
        ("What is the chemical symbol for gold? Answer with the symbol only.", "Au"),
        ("What is the capital of Canada? Answer with the city name only.", "Ottawa"),
        (
            "How many continents are there by the most common convention? Answer with a number only.",
            "7",
        ),
        ("Which planet is closest to the Sun? Answer with one word.", "Mercury"),
        (
            "In which year did the first crewed Moon landing happen? Answer with the year only.",
            "1969",
        ),
        ("What is the largest ocean on Earth? Answer with its name only.", "Pacific"),
        ("Who wrote 'Pride and Prejudice'? Answer with the author's name only.", "Jane Austen"),
        (
            "What gas do plants absorb from the air for photosynthesis? Answer with its name only.",
            "Carbon dioxide",
        ),
        ("How many sides does a hexagon have? Answer with a number only.", "6"),
        (
            "What is the boiling point of water at sea level in degrees Celsius? Answer with a number only.",
            "100",
        ),
        ("What is the official language of Brazil? Answer with one word.", "Portuguese"),
        ("What is the hardest natural mineral? Answer with one word.", "Diamond"),
    ],
    "arithmetic": [
        ("What is 17 + 26? Answer with the number only.", "43"),
        ("What is 12 × 12? Answer with the number only.", "144"),
        ("What is 1000 − 387? Answer with the number only.", "613"),
        ("What is 81 divided by 9? Answer with the number only.", "9"),
        ("What is 15% of 200? Answer with the number only.", "30"),
        ("What is 2 to the power of 10? Answer with the number only.", "1024"),
        ("What is the square root of 169? Answer with the number only.", "13"),
        ("What is 7 × 8 − 6? Answer with the number only.", "50"),
        ("What is 3/4 as a decimal? Answer with the number only.", "0.75"),
        ("How many minutes are in 3.5 hours? Answer with the number only.", "210"),
        ("What is 999 + 1? Answer with the number only.", "1000"),
        ("What is the remainder when 47 is divided by 5? Answer with the number only.", "2"),
    ],
    "classification": [
        (
            "Is the sentiment of 'I absolutely loved this film' positive or negative? Answer with one word.",
            "positive",
        ),
        (
            "Is the sentiment of 'The food was cold and the staff were rude' positive or negative? Answer with one word.",
            "negative",
        ),
        ("Is a tomato botanically a fruit or a vegetable? Answer with one word.", "fruit"),
        ("Is a whale a mammal or a fish? Answer with one word.", "mammal"),
        ("Is 29 a prime or a composite number? Answer with one word.", "prime"),
        (
            "Is Python a programming language or a database? Answer with one word: language or database.",
            "language",
        ),
        (
            "Classify 'Please reset my password' as one of: billing, account, shipping. Answer with the label only.",
            "account",
        ),
        (
            "Classify 'Where is my parcel?' as one of: billing, account, shipping. Answer with the label only.",
            "shipping",
        ),
        ("Is ice a solid, a liquid or a gas? Answer with one word.", "solid"),
        ("Is the word 'quickly' a noun, a verb or an adverb? Answer with one word.", "adverb"),
    ],
    "formatting": [
        ("Write the date 4 July 2025 in ISO 8601 format. Answer with the date only.", "2025-07-04"),
        ("Convert 'hello world' to upper case. Answer with the result only.", "HELLO WORLD"),
        ("Write the number forty-two in digits. Answer with the digits only.", "42"),
        ("Reverse the letters of the word 'stressed'. Answer with the result only.", "desserts"),
        (
            "Write 'Release Candidate' in snake_case. Answer with the result only.",
            "release_candidate",
        ),
        ("What is the three-letter ISO 4217 code of the euro? Answer with the code only.", "EUR"),
        ("Write the Roman numeral for 14. Answer with the numeral only.", "XIV"),
        (
            "Sort these letters alphabetically and join them: d, a, c, b. Answer with the result only.",
            "abcd",
        ),
        ("Write 0.5 as a percentage. Answer with the result only.", "50%"),
        ("How many characters are in the word 'clearance'? Answer with the number only.", "9"),
    ],
    "yes_no": [
        ("Is the Earth round? Answer yes or no.", "yes"),
        ("Is 10 greater than 100? Answer yes or no.", "no"),
        ("Do spiders have eight legs? Answer yes or no.", "yes"),
        ("Is Paris the capital of Italy? Answer yes or no.", "no"),
        ("Is water made of hydrogen and oxygen? Answer yes or no.", "yes"),
        ("Does a week have eight days? Answer yes or no.", "no"),
        ("Is 2024 a leap year? Answer yes or no.", "yes"),
        ("Can penguins fly? Answer yes or no.", "no"),
        ("Is the Pacific Ocean larger than the Atlantic? Answer yes or no.", "yes"),
        ("Is a kilometre shorter than a mile? Answer yes or no.", "yes"),
    ],
}
