"""The operator's side of the tutor: the `tutor` command, the benches, the load generator and the evaluations.

This is the composition root: it builds the core (`bot`) and hands it to a platform adapter found in the
platform registry (`tutor_cli.platforms`). The core imports nothing from here."""

# The core's process set-up (one BLAS thread, bounded malloc arenas) comes first, as it did when the
# command lived in `bot`: `import bot` runs it before numpy or torch load.
import bot  # noqa: F401
