"""The demo water bodies: 和平河 improves from worse than V to its Class IV target and may be closed off,
光华河 is still worse than V with overdue tasks, 东湖塘 was closed off and has relapsed."""

import sqlalchemy as sa

from core.db import db
from remediation import demo
from remediation.models import WaterBody


def _seed(app, make_user):
    env_id, _ = make_user("env_staff", username="chen.jie")
    manager_id, _ = make_user("safety_manager", username="li.na")
    with app.app_context():
        summary = demo.seed()
        db.session.commit()
        again = demo.seed()
        bodies = dict(db.session.execute(sa.select(WaterBody.name, WaterBody.id)).all())
    assert summary == "Demo water: 3 water bodies, 252 samples."
    assert again == "Demo water bodies already present."
    return bodies


def test_the_demo_body_improves_from_worse_than_v_to_its_target(app, client, auth, make_user):
    bodies = _seed(app, make_user)
    headers = auth("inspector")
    status = client.get(f"/api/v1/water-bodies/{bodies['和平河']}/status", headers=headers).json
    classes = [month["water_class"] for month in status["trend"]]
    assert classes == [6] * 5 + [5] * 4 + [4] * 3
    assert all(len(month["sections"]) == 3 for month in status["trend"])
    assert status["trend"][0]["grade_zh"] == "重度污染" and status["trend"][-1]["class_label_zh"] == "Ⅳ类"
    assert status["current"]["water_class"] == 4 and status["current"]["meets_target"] is True
    assert (status["target_class"], status["months_meeting_target"]) == (4, 3)
    assert status["closure"]["eligible"] is True and status["can_close_off"] is True
    assert status["listed_status"] == "under_remediation" and status["unresolved_tasks"] == 1
    closed = client.post(f"/api/v1/water-bodies/{bodies['和平河']}/close-off", headers=auth("safety_manager"),
                         json={"reason": "连续3个月达到Ⅳ类，验收通过"})
    assert closed.status_code == 200, closed.json


def test_the_other_demo_bodies(app, client, auth, make_user):
    bodies = _seed(app, make_user)
    headers = auth("inspector")
    guanghua = client.get(f"/api/v1/water-bodies/{bodies['光华河']}/status", headers=headers).json
    assert guanghua["current"]["water_class"] == 6 and guanghua["closure"]["eligible"] is False
    assert "新塘闸" in [s["name"] for s in guanghua["current"]["sections"]]
    assert guanghua["current"]["main_pollutants"]
    assert (guanghua["unresolved_tasks"], guanghua["overdue_tasks"]) == (4, 2)
    pond = client.get(f"/api/v1/water-bodies/{bodies['东湖塘']}/status", headers=headers).json
    assert pond["listed_status"] == "closed_off" and pond["closed_off_by"]["username"] == "li.na"
    assert pond["relapsed"] is True and {s["water_class"] for s in pond["relapsed_sections"]} == {5}
    overdue = client.get("/api/v1/remediation-tasks?overdue=true", headers=headers).json
    assert len(overdue) == 2 and all(t["water_body_id"] == bodies["光华河"] for t in overdue)
