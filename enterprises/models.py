from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow

SECTORS = ("hazardous_chemicals", "town_gas", "construction", "port_dangerous_goods", "general_industry")


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        sa.CheckConstraint(sa.column("sector").in_(SECTORS), name="known_sector"),
        # The directory's order (``enterprises.service.SORT``): one index range per keyset page.
        sa.Index("ix_enterprises_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    sector: Mapped[str] = mapped_column(sa.String(30), index=True)
    # Which parts of a sector's checklist apply (工贸企业重大事故隐患判定标准: the industry sub-sector, e.g.
    # machinery, and cross-cutting features such as dust_explosion); empty: not recorded, every part is shown.
    sub_sector: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    features: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    zone: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
