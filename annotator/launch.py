"""The `annotator` command's entry point: start-up without garbage-collection passes.

Importing Textual and the app allocates hundreds of thousands of long-lived objects, and
the collector would walk them again and again while they load (about a tenth of the
start-up). Collection stays off until the command runs: the app turns it back on after
its first paint and freezes what start-up made, so later collections stay short while
an analyst types; every other command turns it back on before it starts working.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from annotator.cli import main as run

    run()
