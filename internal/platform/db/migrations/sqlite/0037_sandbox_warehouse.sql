-- The state of the sandbox's simulated overseas-warehouse operator, kept in
-- the store rather than in the operator's memory: a restart must not
-- forget the stock and movements the platform's own warehouse records
-- already reflect, and every serving node must give the same answers.
-- One row per operator seed and account (the account names carry the
-- tenant and side); state is the account as JSON: its movements, the
-- inbound notices and outbound orders not yet worked, and the acks given,
-- by reference. Stock is the sum of the movements, so it is not stored.
CREATE TABLE sandbox_warehouse_accounts (
    seed       TEXT NOT NULL,
    account    TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (seed, account)
);
