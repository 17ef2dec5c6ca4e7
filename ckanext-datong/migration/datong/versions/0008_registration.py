"""Data asset registration (数据资产登记): records, their versions and the registry chain.

A record (datong_registration) holds the current state and content; every state change and
every content change appends an immutable row to datong_registration_version, SM3-chained
both to the record's previous row and to the registry's previous row
(ckanext.datong.registration.chain). Objections (异议) filed during the public notice live in
datong_registration_objection. No foreign keys on the version rows: the chain outlives the
users and entries it names.

Revision ID: 0008_registration
Revises: 0007_popularity
Create Date: 2026-12-03
"""
from alembic import op

revision = "0008_registration"
down_revision = "0007_popularity"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_registration (
            id text PRIMARY KEY,
            number text NOT NULL UNIQUE,
            code text UNIQUE,
            state text NOT NULL,
            reg_type text NOT NULL,
            package_id text NOT NULL,
            org_id text NOT NULL,
            applicant_user_id text NOT NULL REFERENCES "user" (id),
            content jsonb NOT NULL,
            version integer NOT NULL DEFAULT 1 CHECK (version > 0),
            pending jsonb,
            notice_start date,
            notice_until date,
            notice_note text NOT NULL DEFAULT '',
            issued timestamptz,
            created timestamptz NOT NULL DEFAULT now(),
            modified timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_datong_registration_package ON datong_registration (package_id);
        CREATE INDEX ix_datong_registration_org ON datong_registration (org_id);
        CREATE INDEX ix_datong_registration_state ON datong_registration (state);
        CREATE TABLE datong_registration_version (
            seq bigint PRIMARY KEY CHECK (seq > 0),
            registration_id text NOT NULL,
            record_seq integer NOT NULL CHECK (record_seq > 0),
            version integer NOT NULL CHECK (version > 0),
            reg_type text NOT NULL,
            event text NOT NULL,
            state text NOT NULL,
            code text,
            content jsonb NOT NULL,
            actor_name text NOT NULL DEFAULT '',
            reason text NOT NULL DEFAULT '',
            occurred timestamptz NOT NULL,
            prev_record_hash text NOT NULL,
            prev_registry_hash text NOT NULL,
            hash text NOT NULL UNIQUE,
            CONSTRAINT datong_registration_version_record UNIQUE (registration_id, record_seq)
        );
        CREATE TABLE datong_registration_objection (
            id text PRIMARY KEY,
            registration_id text NOT NULL REFERENCES datong_registration (id) ON DELETE CASCADE,
            user_id text NOT NULL REFERENCES "user" (id),
            reason text NOT NULL,
            state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'upheld', 'dismissed')),
            settled_by text REFERENCES "user" (id),
            settle_reason text NOT NULL DEFAULT '',
            created timestamptz NOT NULL DEFAULT now(),
            settled timestamptz
        );
        CREATE INDEX ix_datong_registration_objection_registration
            ON datong_registration_objection (registration_id);
    """)


def downgrade():
    op.execute("""
        DROP TABLE datong_registration_objection;
        DROP TABLE datong_registration_version;
        DROP TABLE datong_registration;
    """)
