-- Distributed proving: a job (one run of a program to prove) and its segment tasks.
-- Artifacts live in the object store; the database holds their names and SHA-256 digests.

CREATE TABLE tessera_jobs (
    id                 TEXT PRIMARY KEY,
    -- running: segments being proven; proven: every segment proven (ready to assemble);
    -- failed: a segment kept failing (error says why); cancelled.
    state              TEXT NOT NULL
                       CHECK (state IN ('running', 'proven', 'failed', 'cancelled')),
    error              TEXT,
    elf_key            TEXT NOT NULL,
    elf_sha256         TEXT NOT NULL,
    input_key          TEXT NOT NULL,
    input_sha256       TEXT NOT NULL,
    -- The VM configuration as TOML text and the parameters' security level.
    config             TEXT NOT NULL,
    security           TEXT NOT NULL,
    log_stacked_height INTEGER NOT NULL,
    instret            BIGINT NOT NULL,
    segments           INTEGER NOT NULL CHECK (segments > 0),
    -- The assembled proof file, once someone fetched it.
    proof_key          TEXT,
    proof_sha256       TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE tessera_tasks (
    job_id             TEXT NOT NULL REFERENCES tessera_jobs (id) ON DELETE CASCADE,
    segment            INTEGER NOT NULL CHECK (segment >= 0),
    -- pending: claimable; running: claimed under a lease (lease_expires); done; failed;
    -- cancelled (its job was).
    state              TEXT NOT NULL
                       CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    start_key          TEXT NOT NULL,
    start_sha256       TEXT NOT NULL,
    num_insns          BIGINT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    max_attempts       INTEGER NOT NULL CHECK (max_attempts > 0),
    worker             TEXT,
    lease_expires      TIMESTAMPTZ,
    error              TEXT,
    -- The result, written once.
    proof_key          TEXT,
    proof_sha256       TEXT,
    -- SHA-256 of what the proof proves (trace commitments, heights, public values): the same
    -- for every proof of the segment, whereas the proof bytes differ with the proof-of-work
    -- witnesses the prover finds.
    statement_sha256   TEXT,
    proof_bytes        BIGINT,
    exit_code          BIGINT,
    public_output      TEXT,
    -- Seconds the worker spent proving, and on the whole task (download, proof, upload).
    prove_seconds      DOUBLE PRECISION,
    task_seconds       DOUBLE PRECISION,
    duplicates         INTEGER NOT NULL DEFAULT 0,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, segment)
);

CREATE INDEX tessera_tasks_claimable ON tessera_tasks (state, lease_expires);
