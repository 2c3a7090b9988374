"""What the surveys SQL repositories share: their session, its raw driver connection, exact decimals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession


def plain_decimal(value: Decimal) -> Decimal:
    """A Numeric column's value without the zeros it is padded with."""
    # Numeric(38, 18) pads with zeros; normalise so '0.10' and '0.1' compare and print alike
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


class SessionRepository:
    """A repository on one AsyncSession (the unit of work's); the area repositories build on it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _exec(self, stmt):
        return await self.session.execute(stmt)

    async def _asyncpg(self):
        """The asyncpg connection of this session, inside the session's transaction."""
        conn = await self.session.connection()
        pg = (await conn.get_raw_connection()).driver_connection
        if not pg.is_in_transaction():
            # SQLAlchemy begins on the driver lazily, at its first statement: begin now, or raw
            # statements (COPY, the staging table, cursors) would each commit on their own
            await conn.exec_driver_sql("SELECT 1")
        return pg
