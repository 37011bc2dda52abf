"""Commands of the assistant.

    python -m bot classify [--model PATH]   one message per stdin line -> one JSON line each
    python -m bot evaluate [--out DIR]      held-out evaluation (tests/nlu/heldout, tests/nlu/hard)
    python -m bot evaluate-answers [--url]  answer-level evaluation through the web chat API
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def classify(args: argparse.Namespace) -> int:
    from bot.nlu import Classifier

    classifier = Classifier(args.model)
    # Interactive use answers line by line; piped input is classified in batches.
    batch_size = 1 if sys.stdin.isatty() else args.batch_size
    texts = (line.rstrip("\n").rstrip("\r") for line in sys.stdin)
    for result in classifier.classify_all(texts, batch_size=batch_size):
        shown = result.as_dict()
        shown.pop("intent")
        sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from bot.evaluation import run_evaluation

    return run_evaluation(model=args.model, heldout=args.heldout, out=args.out, hard=args.hard)


def evaluate_answers(args: argparse.Namespace) -> int:
    from bot.answer_evaluation import run_answer_evaluation

    return run_answer_evaluation(url=args.url, questions_dir=args.questions, out=args.out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    classify_cmd = commands.add_parser("classify", help="classify stdin lines as JSON lines")
    classify_cmd.add_argument("--model", type=Path, default=None)
    classify_cmd.add_argument("--batch-size", type=int, default=64)
    classify_cmd.set_defaults(run=classify)
    evaluate_cmd = commands.add_parser("evaluate", help="evaluate on the held-out test set")
    evaluate_cmd.add_argument("--model", type=Path, default=None)
    evaluate_cmd.add_argument("--heldout", type=Path, default=Path("tests/nlu/heldout"))
    evaluate_cmd.add_argument("--hard", type=Path, default=Path("tests/nlu/hard"))
    evaluate_cmd.add_argument("--out", type=Path, default=Path("results/evaluation"))
    evaluate_cmd.set_defaults(run=evaluate)
    answers_cmd = commands.add_parser("evaluate-answers",
                                      help="ask factual questions through the web chat API")
    answers_cmd.add_argument("--url", default="http://127.0.0.1:8000",
                             help="a running service desk (else one is started)")
    answers_cmd.add_argument("--questions", type=Path, default=Path("tests/answers"))
    answers_cmd.add_argument("--out", type=Path, default=Path("results/evaluation"))
    answers_cmd.set_defaults(run=evaluate_answers)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
