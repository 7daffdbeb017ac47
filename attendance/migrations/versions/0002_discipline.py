"""discipline: violations, the append-only fines ledger (with its head), appeals, dismissal reviews

The ledger refuses UPDATE and DELETE in the database itself (triggers below), so not even a
hand-written statement can change a posted entry silently. TRUNCATE fires no row triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:55:06.990202

"""
from alembic import op
import sqlalchemy as sa

import attendance.models.types

GENESIS = "0" * 64  # attendance.domain.ledger.GENESIS, copied: a migration must not change with the code


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    op.create_table('violations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=32), nullable=False),
    sa.Column('rule_name_zh', sa.String(length=200), nullable=False),
    sa.Column('rule_name_en', sa.String(length=200), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('sanction', sa.String(length=20), nullable=False),
    sa.Column('fine', attendance.models.types.Money(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('flagged_for_review', sa.Boolean(), nullable=False),
    sa.Column('dismissal_review', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=200), nullable=True),
    sa.Column('evidence_type', sa.String(length=32), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reversed_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reversed_by_id', sa.Integer(), nullable=True),
    sa.Column('reversed_reason', sa.Text(), nullable=True),
    sa.Column('restep_of_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("sanction IN ('warning', 'fine', 'points', 'dismissal_review')", name=op.f('ck_violations_sanction_known')),
    sa.CheckConstraint("source IN ('manual', 'grooming', 'attendance', 'complaint', 'swap', 'meeting')", name=op.f('ck_violations_source_known')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_violations_employee_id_employees')),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_violations_policy_version_id_policy_versions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['employees.id'], name=op.f('fk_violations_recorded_by_id_employees')),
    sa.ForeignKeyConstraint(['restep_of_id'], ['violations.id'], name=op.f('fk_violations_restep_of_id_violations')),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['employees.id'], name=op.f('fk_violations_reversed_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violations'))
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index('ix_violations_employee_rule', ['employee_id', 'rule_code', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_violations_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index('uq_violations_source_ref_counted', ['source_ref'], unique=True, sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))

    op.create_table('dismissal_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('violation_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'dismiss', 'final_warning', 'dropped')", name=op.f('ck_dismissal_reviews_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['employees.id'], name=op.f('fk_dismissal_reviews_decided_by_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_dismissal_reviews_employee_id_employees')),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_dismissal_reviews_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dismissal_reviews')),
    sa.UniqueConstraint('violation_id', name=op.f('uq_dismissal_reviews_violation_id'))
    )
    with op.batch_alter_table('dismissal_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dismissal_reviews_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dismissal_reviews_status'), ['status'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', attendance.models.types.Money(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('violation_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('fine', 'reward', 'reversal', 'adjustment')", name=op.f('ck_ledger_entries_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_ledger_entries_created_by_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_ledger_entries_employee_id_employees')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_ledger_entries_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_ledger_entries_hash')),
    sa.UniqueConstraint('reverses_id', name='uq_ledger_entries_reverses_id')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_employee_occurred_on', ['employee_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_violation_id'), ['violation_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('violation_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_at', attendance.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', attendance.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('reversal_entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'upheld', 'overturned')", name=op.f('ck_appeals_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['employees.id'], name=op.f('fk_appeals_decided_by_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_appeals_employee_id_employees')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['employees.id'], name=op.f('fk_appeals_filed_by_id_employees')),
    sa.ForeignKeyConstraint(['reversal_entry_id'], ['ledger_entries.id'], name=op.f('fk_appeals_reversal_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_appeals_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('violation_id', name=op.f('uq_appeals_violation_id'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_status'), ['status'], unique=False)

    op.execute(sa.text("INSERT INTO ledger_head (id, last_id, last_hash, entries) VALUES (1, NULL, :genesis, 0)")
               .bindparams(genesis=GENESIS))
    _append_only_triggers()


def _append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger entries are append-only';
            END;
            $$""")
        op.execute("""
            CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
            FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER ledger_entries_no_{event.lower()} BEFORE {event} ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        op.execute("DROP FUNCTION ledger_entries_append_only()")
    else:
        op.execute("DROP TRIGGER ledger_entries_no_update")
        op.execute("DROP TRIGGER ledger_entries_no_delete")
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_status'))
        batch_op.drop_index(batch_op.f('ix_appeals_employee_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_violation_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_occurred_on'))
        batch_op.drop_index('ix_ledger_entries_employee_occurred_on')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('dismissal_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dismissal_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_dismissal_reviews_employee_id'))

    op.drop_table('dismissal_reviews')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_index('uq_violations_source_ref_counted', sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_violations_occurred_on'))
        batch_op.drop_index('ix_violations_employee_rule')

    op.drop_table('violations')
    op.drop_table('ledger_head')
