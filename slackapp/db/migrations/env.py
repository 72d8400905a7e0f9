from alembic import context

from slackapp.db.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # Autogenerate writes slackapp.db.models.UtcDateTime (the re-export), as in 0001–0003, not the
        # module that defines it (slackapp.db.models.base).
        user_module_prefix="slackapp.db.models.",
    )
    context.run_migrations()
