"""Past reports brought in from their published copies (issue 15, in the app): upload one
file or a zip, review what the reader found beside the original text, resolve its ambiguities,
confirm → the agency's historical report (status ``historical``, 历史导入) for that year.
``services`` decides; ``views`` (namespace ``history``, under ``/my/history/``) are thin."""
