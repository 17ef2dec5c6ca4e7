"""Sharing workflow: scenarios, requests with their entries, decisions, the inbox, and the
grants' link to the request that issued them.

Revision ID: 0005_sharing
Revises: 0004_audit
Create Date: 2026-12-03
"""
from alembic import op

revision = "0005_sharing"
down_revision = "0004_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_scenario (
            id text PRIMARY KEY,
            name text NOT NULL UNIQUE,
            description text NOT NULL DEFAULT '',
            legal_basis text NOT NULL,
            requester_kinds jsonb NOT NULL DEFAULT '[]',
            requester_org_ids jsonb NOT NULL DEFAULT '[]',
            coverage jsonb NOT NULL DEFAULT '[]',
            max_grade text NOT NULL,
            max_days integer NOT NULL CHECK (max_days > 0),
            delivery_methods jsonb NOT NULL DEFAULT '[]',
            territory text NOT NULL DEFAULT 'any' CHECK (territory IN ('any', 'own')),
            route text NOT NULL
                CHECK (route IN ('automatic', 'provider', 'provider_authority')),
            state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
            creator_user_id text REFERENCES "user" (id),
            created timestamptz NOT NULL DEFAULT now(),
            modified timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE datong_request (
            id text PRIMARY KEY,
            number text NOT NULL UNIQUE,
            kind text NOT NULL DEFAULT 'share',
            state text NOT NULL,
            requester_user_id text NOT NULL REFERENCES "user" (id),
            requester_org_id text NOT NULL REFERENCES "group" (id),
            provider_org_id text NOT NULL REFERENCES "group" (id),
            scenario_id text REFERENCES datong_scenario (id),
            purpose text NOT NULL DEFAULT '',
            basis text NOT NULL DEFAULT '',
            start_date date NOT NULL,
            end_date date NOT NULL,
            frequency text NOT NULL DEFAULT '',
            delivery text NOT NULL DEFAULT '',
            territory text NOT NULL DEFAULT 'any' CHECK (territory IN ('any', 'own')),
            contact_name text NOT NULL DEFAULT '',
            contact_phone text NOT NULL DEFAULT '',
            commitment_at timestamptz,
            attachments jsonb NOT NULL DEFAULT '[]',
            step_started timestamptz,
            due_date date,
            due_note text NOT NULL DEFAULT '',
            escalated_at timestamptz,
            created timestamptz NOT NULL DEFAULT now(),
            modified timestamptz NOT NULL DEFAULT now(),
            submitted timestamptz,
            closed timestamptz,
            CONSTRAINT datong_request_period CHECK (end_date >= start_date)
        );
        CREATE INDEX datong_request_state ON datong_request (state);
        CREATE INDEX datong_request_requester ON datong_request (requester_org_id);
        CREATE INDEX datong_request_provider ON datong_request (provider_org_id);
        CREATE TABLE datong_request_item (
            id text PRIMARY KEY,
            request_id text NOT NULL REFERENCES datong_request (id) ON DELETE CASCADE,
            position integer NOT NULL,
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            resource_id text REFERENCES resource (id) ON DELETE CASCADE,
            items jsonb
        );
        CREATE INDEX ix_datong_request_item_request_id ON datong_request_item (request_id);
        CREATE INDEX ix_datong_request_item_package_id ON datong_request_item (package_id);
        CREATE TABLE datong_decision (
            id text PRIMARY KEY,
            request_id text NOT NULL REFERENCES datong_request (id) ON DELETE CASCADE,
            transition text NOT NULL,
            from_state text NOT NULL,
            to_state text NOT NULL,
            actor_user_id text REFERENCES "user" (id),
            reason text NOT NULL DEFAULT '',
            rule text NOT NULL DEFAULT '',
            created timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_datong_decision_request_id ON datong_decision (request_id);
        CREATE TABLE datong_notice (
            id text PRIMARY KEY,
            user_id text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
            request_id text REFERENCES datong_request (id) ON DELETE CASCADE,
            subject text NOT NULL,
            body text NOT NULL DEFAULT '',
            created timestamptz NOT NULL DEFAULT now(),
            read_at timestamptz
        );
        CREATE INDEX ix_datong_notice_user_id ON datong_notice (user_id, created);
        ALTER TABLE datong_grant
            ADD COLUMN request_id text REFERENCES datong_request (id) ON DELETE SET NULL,
            ADD COLUMN purpose text NOT NULL DEFAULT '',
            ADD COLUMN revoked_at timestamptz,
            ADD COLUMN revoked_by text REFERENCES "user" (id),
            ADD COLUMN revoke_reason text NOT NULL DEFAULT '';
        CREATE INDEX datong_grant_request ON datong_grant (request_id);
    """)


def downgrade():
    op.execute("""
        ALTER TABLE datong_grant DROP COLUMN request_id, DROP COLUMN purpose,
            DROP COLUMN revoked_at, DROP COLUMN revoked_by, DROP COLUMN revoke_reason;
        DROP TABLE datong_notice;
        DROP TABLE datong_decision;
        DROP TABLE datong_request_item;
        DROP TABLE datong_request;
        DROP TABLE datong_scenario;
    """)
