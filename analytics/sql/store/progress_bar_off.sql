-- No DuckDB progress bar on the terminal during a command-line load (the command prints its own report).
SET enable_progress_bar = false;
