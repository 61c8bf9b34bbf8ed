"""The runs pages: the table sorts, chooses columns and pages keeping both; a run shows its code,
data, parameters and metrics (NaN as NaN) with charts, and its status form ends it; the
comparison marks differing parameters and refuses bad selections with a clear message."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Account
from tests.pagekit import Visit, add_kpi, field_error

ROW = re.compile(r'<tr id="run-(\d+)">')
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


def _start(client: TestClient, owner: Account, project: str, **body: Any) -> int:
    response = client.post(f"/api/v1/projects/{project}/runs", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    number: int = response.json()["number"]
    return number


def _log(client: TestClient, owner: Account, project: str, number: int, **body: Any) -> None:
    # json.dumps writes NaN as the JSON extension the API accepts; httpx's `json=` refuses it.
    response = client.post(
        f"/api/v1/projects/{project}/runs/{number}/log",
        content=json.dumps(body),
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


def _rows(page: str) -> list[int]:
    return [int(number) for number in ROW.findall(page)]


def test_the_runs_table_sorts_chooses_columns_pages_and_compares(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    auc = {number: (number * 7 % 27) / 100 for number in range(1, 28)}
    for number in auc:
        _start(client, owner, project, params={"lr": f"0.{number:02d}", "seed": 7})
        _log(client, owner, project, number, metrics=[{"key": "auc", "value": auc[number]}])
    best_first = sorted(auc, key=lambda n: auc[n], reverse=True)
    me = visit(owner)
    runs = f"/projects/{project}/runs"

    default = me.get(runs).text
    assert _rows(default) == list(range(27, 2, -1))  # newest first, 25 a page
    assert "sort=metrics.auc" in default  # metrics are shown when no column is chosen
    assert "sort=params.lr" not in default

    sorted_page = me.get(f"{runs}?sort=-metrics.auc&columns=metrics.auc&columns=params.lr")
    assert sorted_page.status_code == 200
    page = sorted_page.text
    assert _rows(page) == best_first[:25]
    header = re.search(
        r'<th scope="col" class="num" aria-sort="descending">\s*<a href="([^"]+)">auc', page
    )
    assert header, "the sorted column is marked"
    assert "sort=metrics.auc" in html.unescape(header.group(1))  # the next click reverses it
    assert page.count("aria-sort=") == 1
    assert 'value="params.lr" checked' in page
    found = NEXT.search(page)
    assert found
    second = me.get(html.unescape(found.group(1))).text
    assert _rows(second) == best_first[25:]
    assert "Page 2 of 2" in second
    assert 'value="metrics.auc" checked' in second  # the pager kept columns and sort
    assert 'aria-sort="descending"' in second

    only_lr = me.get(f"{runs}?columns=params.lr&sort=params.lr").text
    assert "sort=-params.lr" in only_lr
    assert "sort=metrics.auc" not in only_lr
    assert _rows(only_lr)[:3] == [1, 2, 3]

    response = client.patch(
        f"/api/v1/projects/{project}/runs/5", json={"status": "failed"}, headers=owner.headers
    )
    assert response.status_code == 200
    assert _rows(me.get(f"{runs}?status=failed").text) == [5]
    assert len(_rows(me.get(f"{runs}?status=").text)) == 25

    compared = me.get(f"{runs}/compare?runs=3&runs=4")
    assert compared.status_code == 200
    lr_row = re.search(
        r'<tr class="differs">\s*<th scope="row">lr <span class="badge warn">differs', compared.text
    )
    assert lr_row, "the differing parameter is marked"
    assert re.search(r'<tr>\s*<th scope="row">seed</th>', compared.text), "equal is not marked"
    assert "0.03" in compared.text
    assert "0.04" in compared.text
    bad = {
        "runs=3": (422, "compare two to 5 different runs"),
        "&".join(f"runs={n}" for n in range(1, 7)): (422, "compare two to 5 different runs"),
        "runs=3&runs=99": (404, "no run 99 in this project"),
        "runs=3&runs=x": (422, "valid integer"),
    }
    for query, (status, message) in bad.items():
        response = me.get(f"{runs}/compare?{query}")
        assert response.status_code == status, query
        assert message in response.text, query


def test_a_run_page_shows_the_run_and_its_status_form_ends_it(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    add_kpi(client, owner, project)
    client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={"name": "CRM extract", "kind": "database"},
        headers=owner.headers,
    )
    number = _start(
        client,
        owner,
        project,
        hypothesis="Tenure buckets lift recall above 0.6",
        kpi="Recall at capacity",
        git_commit="3f2a9c1",
        git_dirty=True,
        data_sources=["CRM extract"],
        params={"model": "gradient boosting", "max_depth": 4},
        tags={"team": "retention"},
    )
    points = [(0, 0.5), (1, 0.4), (2, float("nan"))]
    _log(
        client,
        owner,
        project,
        number,
        metrics=[{"key": "loss", "value": v, "step": s} for s, v in points]
        + [{"key": "recall", "value": 0.61}],
    )
    me = visit(owner)
    url = f"/projects/{project}/runs/{number}"
    page = me.get(url).text
    assert "Tenure buckets lift recall above 0.6" in page
    assert f'<a href="/projects/{project}/kpis">Recall at capacity</a>' in page
    assert "<code>3f2a9c1</code>" in page
    assert "uncommitted changes" in page
    assert f'href="/projects/{project}/data#source-CRM_extract"' in page
    assert 'id="source-CRM_extract"' in me.get(f"/projects/{project}/data").text
    assert '<th scope="row">max_depth</th><td>4</td>' in page
    assert '<th scope="row">team</th><td>retention</td>' in page
    assert '<th scope="row">loss</th><td class="num">NaN</td><td class="num">2</td>' in page
    series = re.search(r'<script type="application/json" id="metric-series">(.*?)</script>', page)
    assert series
    assert json.loads(series.group(1))["loss"] == [[0, 0.5], [1, 0.4], [2, None]]
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in page
    assert "chart.umd" not in me.get(f"/projects/{project}/runs").text
    assert me.get("/static/vendor/chart.umd.min.js").status_code == 200
    assert me.get("/static/charts.js").status_code == 200

    refused = me.post(f"{url}/status", {"status": "finished", "compute_cost": "-3"})
    assert refused.status_code == 422
    assert "greater than or equal to 0" in field_error(refused.text, "compute_cost")
    finished = me.post(f"{url}/status", {"status": "finished", "compute_cost": "12.5"})
    assert finished.status_code == 303
    page = me.get(finished.headers["location"]).text
    assert '<span class="badge good">Finished</span>' in page
    assert "12.5" in page
    assert f'action="{url}/status"' not in page
    run = client.get(f"/api/v1/projects/{project}/runs/{number}", headers=owner.headers).json()
    assert (run["status"], run["compute_cost"]) == ("finished", 12.5)
    again = me.post(f"{url}/status", {"status": "killed"})
    assert again.status_code == 409
    assert "a finished run stays finished" in again.text
