"""Simple children's stories from a small grammar: the training text of the default model.

Written for this project (no outside text): every story is a few sentences about a child, a
friend, a thing and a place, following one of a handful of plots (a lost thing found, an animal
helped, a rainy day, a fear overcome, something made together, a thing shared). The same seed
gives the same stories on every machine: only `random.Random(seed)` is used.

    python training/stories.py --count 5 --seed 1        # print five stories
    python training/stories.py --words                   # the vocabulary, one word a line

Stories are single lines of printable ASCII; the training script feeds each one to the model
as BOS + its tokens, as the kernel encodes a prompt.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from typing import Dict, Iterator, List

GIRLS = ["Lily", "Mia", "Anna", "Emma", "Lucy", "Rosa", "Sara", "Zoe", "Nina", "Ella"]
BOYS = ["Tom", "Ben", "Sam", "Max", "Leo", "Jack", "Tim", "Finn", "Joe", "Dan"]
ANIMALS = ["cat", "dog", "bird", "rabbit", "frog", "duck", "bear", "fox", "mouse", "puppy",
           "kitten", "owl", "turtle", "squirrel"]
ANIMAL_NAMES = ["Spot", "Fluffy", "Pip", "Coco", "Bella", "Rex", "Sunny", "Muffin"]
COLOURS = ["red", "blue", "green", "yellow", "pink", "purple", "orange", "white", "brown"]
TOYS = ["ball", "kite", "boat", "hat", "teddy bear", "doll", "car", "drum", "book", "box",
        "train", "cup", "bike", "balloon"]
PLACES = {  # place -> what one sees there
    "park": ["a tall tree", "a bench", "a swing", "a slide", "a pond"],
    "garden": ["a flower", "a bush", "a fence", "a tall tree", "a rock"],
    "forest": ["a tall tree", "a log", "a bush", "a rock", "a hole"],
    "beach": ["a rock", "a shell", "the sand", "a wave", "a boat"],
    "farm": ["a barn", "a fence", "a cow", "a pig", "a hen"],
    "river": ["a rock", "a log", "a bridge", "a fish", "a duck"],
    "hill": ["a rock", "a tall tree", "a flower", "a hole", "a bush"],
}
GROWNUPS = ["mom", "dad", "grandma", "grandpa"]
FOODS = ["cake", "apple", "cookie", "sandwich", "pie", "banana", "carrot"]
FEELINGS_GOOD = ["happy", "glad", "proud", "excited"]
FEELINGS_BAD = ["sad", "scared", "worried", "upset"]
WEATHER_BAD = ["it started to rain", "the wind began to blow", "dark clouds came", "it got cold"]
LIKES = ["to play outside", "to run and jump", "to sing songs", "to draw pictures",
         "to read books", "to look at the stars", "to help her mom", "to dance",
         "to build with blocks", "to splash in the water"]
TIME_WORDS = ["One day", "One sunny day", "One morning", "One afternoon", "The next day"]
OPENINGS = ["Once upon a time, there was {a} {size} {kind} named {name}.",
            "Once upon a time there was {a} {size} {kind} named {name}.",
            "Once upon a time, in a small town, there lived {a} {kind} named {name}.",
            "Once there was {a} {size} {kind} called {name}.",
            "There was once {a} {kind} named {name} who lived near the {place}."]


class Hero:
    def __init__(self, rng: random.Random):
        self.girl = rng.random() < 0.5
        self.name = rng.choice(GIRLS if self.girl else BOYS)
        self.kind = rng.choice(["girl", "little girl"] if self.girl else ["boy", "little boy"])
        self.he, self.his, self.him = ("she", "her", "her") if self.girl else ("he", "his", "him")

    def words(self) -> Dict[str, str]:
        return {"name": self.name, "he": self.he, "his": self.his, "him": self.him,
                "He": self.he.capitalize(), "His": self.his.capitalize()}


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


class Story:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.hero = Hero(rng)
        self.friend = self._friend()
        self.place = rng.choice(sorted(PLACES))
        self.sentences: List[str] = []

    def _friend(self) -> Dict[str, str]:
        rng = self.rng
        names = BOYS if self.hero.girl else GIRLS
        if rng.random() < 0.5:
            return {"friend": rng.choice(names), "fkind": "friend"}
        return {"friend": rng.choice(ANIMAL_NAMES), "fkind": rng.choice(ANIMALS)}

    def say(self, text: str, **extra: str) -> None:
        words = dict(self.hero.words(), place=self.place, **self.friend, **extra)
        sentence = text.format(**words)
        self.sentences.append(sentence[0].upper() + sentence[1:])

    def pick(self, items):
        return self.rng.choice(items)

    def opening(self) -> None:
        hero = self.hero
        size = self.pick(["little", "kind", "happy", "brave", "curious", "small"])
        kind = hero.kind.replace("little ", "")
        template = self.pick(OPENINGS)
        self.say(template, a=article(size if "{size}" in template else kind), size=size, kind=kind)
        like = self.pick(LIKES).replace("her mom", f"{hero.his} mom")
        self.say("{name} loved " + like + ".")
        if self.friend["fkind"] != "friend":
            self.say("{name} had a pet {fkind} named {friend}.")
        else:
            self.say("{His} best friend was {friend}.")

    # -- plots ---------------------------------------------------------------------------------

    def lost_toy(self) -> None:
        toy = self.pick(TOYS)
        colour = self.pick(COLOURS)
        spot = self.pick(PLACES[self.place])
        hide = self.pick([p for p in PLACES[self.place] if p != spot])
        self.say("{when}, {name} went to the {place} with {his} {colour} {toy}.",
                 when=self.pick(TIME_WORDS), colour=colour, toy=toy)
        self.say("{He} played with it for a long time.")
        self.say("Then {he} put it down next to {spot} and ran to see {friend}.", spot=spot)
        self.say("When {he} came back, the {toy} was gone!", toy=toy)
        self.say("{name} felt {bad}.", bad=self.pick(FEELINGS_BAD))
        self.say("\"Where is my {toy}?\" {he} said.", toy=toy)
        self.say("{friend} said, \"Do not be sad. I will help you look.\"")
        self.say("They looked behind {hide} and under {spot}.", hide=hide, spot=spot)
        self.say("At last, {friend} found the {toy} in the grass.", toy=toy)
        self.say("{name} was so {good}! {He} gave {friend} a big hug.", good=self.pick(FEELINGS_GOOD))
        self.say("\"Thank you, {friend}!\" said {name}.")

    def help_animal(self) -> None:
        animal = self.pick([a for a in ANIMALS if a != self.friend["fkind"]])
        spot = self.pick(PLACES[self.place])
        problem = self.pick(["was stuck in a bush", "had a hurt leg", "was lost",
                             "could not find its mom", "was very hungry", "was cold and wet"])
        self.say("{when}, {name} went for a walk in the {place}.", when=self.pick(TIME_WORDS))
        self.say("Near {spot}, {he} saw a little {animal}.", spot=spot, animal=animal)
        self.say("The {animal} {problem}.", animal=animal, problem=problem)
        self.say("The {animal} looked at {name} and said, \"Can you help me, please?\"", animal=animal)
        if "hungry" in problem:
            food = self.pick(FOODS)
            self.say("{name} had {a} {food} in {his} bag.", a=article(food), food=food)
            self.say("{He} gave the {food} to the {animal}, and the {animal} ate it all up.",
                     food=food, animal=animal)
        elif "stuck" in problem:
            self.say("{name} pulled the branches away very slowly.")
            self.say("Soon the {animal} was free.", animal=animal)
        elif "hurt" in problem or "cold" in problem:
            self.say("{name} took the {animal} home and kept it warm.", animal=animal)
            self.say("{His} {grown} helped {him} take care of it.", grown=self.pick(GROWNUPS))
            self.say("After a few days, the {animal} felt much better.", animal=animal)
        else:
            self.say("{name} and {friend} looked all over the {place}.")
            self.say("At last they found the {animal}'s family near {spot}.", animal=animal,
                     spot=self.pick(PLACES[self.place]))
        self.say("The {animal} was very {good}.", animal=animal, good=self.pick(FEELINGS_GOOD))
        self.say("\"Thank you, {name}!\" said the {animal}.", animal=animal)
        self.say("{name} smiled. Helping others made {him} feel good inside.")

    def rainy_day(self) -> None:
        weather = self.pick(WEATHER_BAD)
        game = self.pick(["play a game", "build a fort", "draw a picture", "make a cake",
                          "read a book", "sing a song"])
        self.say("{when}, {name} and {friend} wanted to play in the {place}.", when=self.pick(TIME_WORDS))
        self.say("But then {weather}.", weather=weather)
        self.say("{name} was {bad}. \"Now we cannot play,\" {he} said.", bad=self.pick(FEELINGS_BAD))
        self.say("{His} {grown} had an idea. \"Why do you not {game} inside?\"",
                 grown=self.pick(GROWNUPS), game=game)
        self.say("So {name} and {friend} went inside to {game}.", game=game)
        self.say("They laughed and had so much fun.")
        self.say("When the sun came out, they ran to the {place} together.")
        self.say("It was the best day ever.")

    def fear(self) -> None:
        thing = self.pick(["the dark", "the big slide", "the deep water", "the loud storm",
                           "the tall tree", "the old barn"])
        self.say("{name} was scared of {thing}.", thing=thing)
        self.say("{when}, {friend} said, \"Come with me. I will be with you.\"", when=self.pick(TIME_WORDS))
        self.say("{name} held {friend}'s {hand} and took a deep breath.",
                 hand="hand" if self.friend["fkind"] == "friend" else "paw")
        self.say("{He} was still a little scared, but {he} was brave.")
        self.say("Soon {he} saw that {thing} was not so bad after all.", thing=thing)
        self.say("{name} felt {good}. \"I did it!\" {he} said.", good=self.pick(FEELINGS_GOOD))
        self.say("From that day on, {name} was not scared of {thing} anymore.", thing=thing)

    def make_something(self) -> None:
        thing = self.pick(["a sand castle", "a snowman", "a tree house", "a cake", "a card",
                           "a little boat", "a kite", "a garden"])
        grown = self.pick(GROWNUPS)
        self.say("{when}, {name} wanted to make {thing} for {his} {grown}.", when=self.pick(TIME_WORDS),
                 thing=thing, grown=grown)
        self.say("{He} asked {friend} to help.")
        self.say("They worked hard all day.")
        self.say("At first it did not look very good, and {name} was {bad}.", bad=self.pick(FEELINGS_BAD))
        self.say("\"Let us try again,\" said {friend}.")
        self.say("They tried again, and this time it was beautiful.")
        self.say("{His} {grown} loved it and gave {him} a big hug.", grown=grown)
        self.say("{name} was {good} and thanked {friend} for the help.", good=self.pick(FEELINGS_GOOD))

    def share(self) -> None:
        food = self.pick(FOODS)
        self.say("{when}, {name} had a big {food}.", when=self.pick(TIME_WORDS), food=food)
        self.say("{He} wanted to eat it all by {oneself}.", oneself="herself" if self.hero.girl else "himself")
        self.say("Then {he} saw {friend} sitting alone in the {place}.")
        self.say("{friend} looked hungry and sad.")
        self.say("{name} thought for a moment. Then {he} gave half of the {food} to {friend}.", food=food)
        self.say("{friend} smiled. \"Thank you, {name}. You are a good friend.\"")
        self.say("They sat together and ate the {food} in the sun.", food=food)
        self.say("{name} learned that sharing makes everyone happy.")

    def ending(self) -> None:
        endings = ["From that day on, {name} and {friend} were best friends.",
                   "That night, {name} went to bed with a big smile.",
                   "And they all lived happily ever after.",
                   "{name} never forgot that day.",
                   "The end."]
        self.say(self.pick(endings))

    def text(self) -> str:
        self.opening()
        self.pick([self.lost_toy, self.help_animal, self.rainy_day, self.fear,
                   self.make_something, self.share])()
        self.ending()
        return " ".join(self.sentences)


def stories(seed: int) -> Iterator[str]:
    """An endless, deterministic stream of stories."""
    rng = random.Random(seed)
    while True:
        yield Story(rng).text()


def vocabulary(seed: int = 0, count: int = 20000) -> List[str]:
    """Every word (letters and apostrophes, as written) of `count` stories of `seed`."""
    found = set()
    stream = stories(seed)
    for _ in range(count):
        found.update(words_of(next(stream)))
    return sorted(found)


def words_of(text: str) -> List[str]:
    return re.findall(r"[A-Za-z']+", text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--words", action="store_true", help="print the vocabulary instead")
    args = parser.parse_args(argv)
    if args.words:
        print("\n".join(vocabulary(args.seed)))
        return 0
    stream = stories(args.seed)
    for _ in range(args.count):
        print(next(stream))
    return 0


if __name__ == "__main__":
    sys.exit(main())
