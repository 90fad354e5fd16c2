"""Import and export of the Digipoort registration list (docs/import-format.md).

formats.py reads and writes the files, rows.py checks one row, plan.py checks the whole file against the register and
plans the changes, apply.py writes them, batches.py runs an upload through its states (ImportBatch).
"""

from imports.services.batches import (
    import_batch_apply,
    import_batch_apply_request,
    import_batch_create,
    import_batch_resume,
    import_batch_validate,
    import_batches_resume,
    import_file_check,
)

__all__ = [
    "import_batch_apply",
    "import_batch_apply_request",
    "import_batch_create",
    "import_batch_resume",
    "import_batch_validate",
    "import_batches_resume",
    "import_file_check",
]
