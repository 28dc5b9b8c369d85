"""security and leaving

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:46:42.520525
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import trust.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recoverycode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('used_at', trust.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recoverycode_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recoverycode'))
    )
    with op.batch_alter_table('recoverycode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recoverycode_user_id'), ['user_id'], unique=False)

    op.create_table('securityevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', trust.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_securityevent_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_securityevent'))
    )
    with op.batch_alter_table('securityevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_securityevent_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('couple', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', trust.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', trust.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reset_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('reset_expires_at', trust.db.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('reset_expires_at')
        batch_op.drop_column('reset_code_hash')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')

    with op.batch_alter_table('couple', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('paused_by')
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('securityevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_securityevent_user_id'))

    op.drop_table('securityevent')
    with op.batch_alter_table('recoverycode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recoverycode_user_id'))

    op.drop_table('recoverycode')
