"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import trust.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('couple',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_couple'))
    )
    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loginattempt'))
    )
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginattempt_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_username'), ['username'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('alternative_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('password_changed_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('quiet_start', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('quiet_end', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('push_detail', sa.Boolean(), nullable=False),
    sa.Column('comfort_sharing', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_user_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('alternative_id', name=op.f('uq_user_alternative_id')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_couple_id'), ['couple_id'], unique=False)

    op.create_table('comfortentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('tags', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('note_shared', sa.Boolean(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comfortentry_author_id_user')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_comfortentry_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comfortentry'))
    )
    with op.batch_alter_table('comfortentry', schema=None) as batch_op:
        batch_op.create_index('ix_comfortentry_couple_author_created', ['couple_id', 'author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comfortentry_couple_day', ['couple_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_comfortentry_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comfortentry_created_at'), ['created_at'], unique=False)

    op.create_table('condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('due_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('talk_requested', sa.Boolean(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('ended_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_condition_couple_id_couple')),
    sa.ForeignKeyConstraint(['proposed_by'], ['user.id'], name=op.f('fk_condition_proposed_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_condition'))
    )
    with op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_condition_couple_id'), ['couple_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('due_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_delivery_couple_id_couple')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_delivery_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('key', name=op.f('uq_delivery_key'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_couple_id'), ['couple_id'], unique=False)

    op.create_table('invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_invite_couple_id_couple')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_invite_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invite_token_hash'))
    )
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_couple_id'), ['couple_id'], unique=False)

    op.create_table('journalentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('shared_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_journalentry_author_id_user')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_journalentry_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journalentry'))
    )
    with op.batch_alter_table('journalentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journalentry_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journalentry_couple_id'), ['couple_id'], unique=False)

    op.create_table('loginsession',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_loginsession_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loginsession'))
    )
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginsession_user_id'), ['user_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('read_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_notice_couple_id_couple')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_user_id'), ['user_id'], unique=False)

    op.create_table('pushsubscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('p256dh', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('auth', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('last_success_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('last_error_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_pushsubscription_couple_id_couple')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pushsubscription_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pushsubscription')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_pushsubscription_endpoint'))
    )
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pushsubscription_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushsubscription_user_id'), ['user_id'], unique=False)

    op.create_table('reassurancerequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('answered_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_reassurancerequest_couple_id_couple')),
    sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_reassurancerequest_requested_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reassurancerequest'))
    )
    with op.batch_alter_table('reassurancerequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassurancerequest_couple_id'), ['couple_id'], unique=False)

    op.create_table('spaceperiod',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('starts_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('ended_early_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_spaceperiod_couple_id_couple')),
    sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_spaceperiod_requested_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spaceperiod'))
    )
    with op.batch_alter_table('spaceperiod', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spaceperiod_couple_id'), ['couple_id'], unique=False)

    op.create_table('togetherentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('logged_by', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_togetherentry_couple_id_couple')),
    sa.ForeignKeyConstraint(['logged_by'], ['user.id'], name=op.f('fk_togetherentry_logged_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_togetherentry'))
    )
    with op.batch_alter_table('togetherentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_togetherentry_couple_id'), ['couple_id'], unique=False)

    op.create_table('checkin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('expected_end_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('ended_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('answer_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('answered_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('reply_body', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('replied_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('edited_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_checkin_author_id_user')),
    sa.ForeignKeyConstraint(['condition_id'], ['condition.id'], name=op.f('fk_checkin_condition_id_condition')),
    sa.ForeignKeyConstraint(['corrects_id'], ['checkin.id'], name=op.f('fk_checkin_corrects_id_checkin')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_checkin_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin'))
    )
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_condition_created', ['condition_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_condition_id'), ['condition_id'], unique=False)
        batch_op.create_index('ix_checkin_couple_created', ['couple_id', 'created_at'], unique=False)
        batch_op.create_index('ix_checkin_couple_day', ['couple_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index('ix_checkin_couple_kind_created', ['couple_id', 'kind', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_created_at'), ['created_at'], unique=False)

    op.create_table('conditionevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('new_text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('new_due_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('new_review_on', sa.Date(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_conditionevent_actor_id_user')),
    sa.ForeignKeyConstraint(['condition_id'], ['condition.id'], name=op.f('fk_conditionevent_condition_id_condition')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_conditionevent_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conditionevent'))
    )
    with op.batch_alter_table('conditionevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conditionevent_condition_id'), ['condition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conditionevent_couple_id'), ['couple_id'], unique=False)

    op.create_table('pushmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('urgency', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('expires_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_pushmessage_couple_id_couple')),
    sa.ForeignKeyConstraint(['subscription_id'], ['pushsubscription.id'], name=op.f('fk_pushmessage_subscription_id_pushsubscription')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pushmessage'))
    )
    with op.batch_alter_table('pushmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pushmessage_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushmessage_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushmessage_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushmessage_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('reminderrule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('times', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('weekdays', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('next_due_at', trust.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['condition.id'], name=op.f('fk_reminderrule_condition_id_condition')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_reminderrule_couple_id_couple')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminderrule_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminderrule'))
    )
    with op.batch_alter_table('reminderrule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminderrule_condition_id'), ['condition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminderrule_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminderrule_next_due_at'), ['next_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminderrule_user_id'), ['user_id'], unique=False)

    op.create_table('photo',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkin.id'], name=op.f('fk_photo_checkin_id_checkin')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_photo_couple_id_couple')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo'))
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_checkin_id'), ['checkin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_couple_id'), ['couple_id'], unique=False)

    op.create_table('reaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkin.id'], name=op.f('fk_reaction_checkin_id_checkin')),
    sa.ForeignKeyConstraint(['couple_id'], ['couple.id'], name=op.f('fk_reaction_couple_id_couple')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reaction_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reaction')),
    sa.UniqueConstraint('checkin_id', 'user_id', 'kind', name=op.f('uq_reaction_checkin_id'))
    )
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reaction_checkin_id'), ['checkin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reaction_couple_id'), ['couple_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reaction_couple_id'))
        batch_op.drop_index(batch_op.f('ix_reaction_checkin_id'))

    op.drop_table('reaction')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_couple_id'))
        batch_op.drop_index(batch_op.f('ix_photo_checkin_id'))

    op.drop_table('photo')
    with op.batch_alter_table('reminderrule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminderrule_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminderrule_next_due_at'))
        batch_op.drop_index(batch_op.f('ix_reminderrule_couple_id'))
        batch_op.drop_index(batch_op.f('ix_reminderrule_condition_id'))

    op.drop_table('reminderrule')
    with op.batch_alter_table('pushmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pushmessage_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_pushmessage_state'))
        batch_op.drop_index(batch_op.f('ix_pushmessage_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_pushmessage_couple_id'))

    op.drop_table('pushmessage')
    with op.batch_alter_table('conditionevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conditionevent_couple_id'))
        batch_op.drop_index(batch_op.f('ix_conditionevent_condition_id'))

    op.drop_table('conditionevent')
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_created_at'))
        batch_op.drop_index('ix_checkin_couple_kind_created')
        batch_op.drop_index(batch_op.f('ix_checkin_couple_id'))
        batch_op.drop_index('ix_checkin_couple_day')
        batch_op.drop_index('ix_checkin_couple_created')
        batch_op.drop_index(batch_op.f('ix_checkin_condition_id'))
        batch_op.drop_index('ix_checkin_condition_created')

    op.drop_table('checkin')
    with op.batch_alter_table('togetherentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_togetherentry_couple_id'))

    op.drop_table('togetherentry')
    with op.batch_alter_table('spaceperiod', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaceperiod_couple_id'))

    op.drop_table('spaceperiod')
    with op.batch_alter_table('reassurancerequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassurancerequest_couple_id'))

    op.drop_table('reassurancerequest')
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pushsubscription_user_id'))
        batch_op.drop_index(batch_op.f('ix_pushsubscription_couple_id'))

    op.drop_table('pushsubscription')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_user_id'))
        batch_op.drop_index(batch_op.f('ix_notice_couple_id'))

    op.drop_table('notice')
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginsession_user_id'))

    op.drop_table('loginsession')
    with op.batch_alter_table('journalentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journalentry_couple_id'))
        batch_op.drop_index(batch_op.f('ix_journalentry_author_id'))

    op.drop_table('journalentry')
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_couple_id'))

    op.drop_table('invite')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_couple_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_condition_couple_id'))

    op.drop_table('condition')
    with op.batch_alter_table('comfortentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comfortentry_created_at'))
        batch_op.drop_index(batch_op.f('ix_comfortentry_couple_id'))
        batch_op.drop_index('ix_comfortentry_couple_day')
        batch_op.drop_index('ix_comfortentry_couple_author_created')

    op.drop_table('comfortentry')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_couple_id'))

    op.drop_table('user')
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginattempt_username'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_created_at'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_address'))

    op.drop_table('loginattempt')
    op.drop_table('couple')
