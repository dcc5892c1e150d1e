"""Hostile input, one test per way in: text from a link or a scene file is shown as literal
text everywhere (never Markdown, HTML or a link); a bad value falls back one field at a time
with a short warning; the command line refuses what it cannot read safely and never leaves a
partial file."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from export import __main__ as cli
from export.source import MAX_INPUT
from figures import landscape_figure, loss_figure, lr_figure, surface3d_figure
from scene import MAX_WARNINGS, QUOTE_CHARS, Entry, from_dict, from_json, quote
from scene.race import simulate
from scene.url import from_query, from_url
from ui.tables import markdown_table, md_literal, swatch

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

LINK = "[free exam answers](https://evil.example/)"
IMAGE = "![p](https://evil.example/p.png)"
ANCHOR = '<a href="https://evil.example/">x</a>'
HOSTILE = [LINK, IMAGE, ANCHOR, "**bold** `code` $x^2$ :red[red] # head", "a|b", "%{x}"]


def _visible(markdown: str) -> str:
    """What Markdown shows: backslash escapes undone, invisible word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def _unescaped(markdown: str) -> str:
    """The Markdown with every escaped character (and what md_literal made inert) removed:
    what is left is what Markdown would read as syntax."""
    return re.sub(r"\\.", "", markdown).replace("\u2060", " ")


def _assert_inert(markdown: str) -> None:
    bare = _unescaped(markdown)
    for syntax in ("](", "![", "<a ", "<img", "://evil", "www.evil"):
        assert syntax not in bare.lower(), (syntax, markdown)


# -- Markdown ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*HOSTILE, "1. item", "- item", "> quote", "x\n# y",
                                  "a@evil.example www.evil.example", "\\](x)"])
def test_md_literal_shows_the_text_and_nothing_else(text):
    md = md_literal(text)
    _assert_inert(md)
    assert "\n" not in md
    assert _visible(md) == " ".join(text.split())


def test_table_cells_keep_their_columns_and_swatches_their_text():
    table = markdown_table(["optimizer", "x"], [[swatch("a|b\\", "#123456"), "c|d"]])
    row = table.splitlines()[2]
    assert len(re.findall(r"(?<!\\)\|", row)) == 3  # two cells: no pipe of the text splits one
    _assert_inert(swatch(LINK, "#000000"))


def _markdown_shown(at: AppTest) -> list[str]:
    """Every string the page renders as Markdown: markdown, captions, alerts, toasts,
    headers, and the labels of expanders and tabs."""
    texts = [e.value for kind in ("markdown", "caption", "error", "warning", "info",
                                  "success", "toast", "subheader", "header", "title")
             for e in getattr(at, kind)]
    texts += [e.label for e in at.expander]
    texts += [t.label for t in at.tabs]
    return [t for t in texts if isinstance(t, str)]


def test_link_labels_never_become_links_or_images_on_the_page():
    query = {"surface": "rosenbrock", "steps": "60",
             "opt": [f"adam;lr=0.05;label={LINK}", f"sgd;lr=1;label={IMAGE}",  # SGD diverges
                     f"rmsprop;label={ANCHOR}", "adam;color=[x](https://evil.example/)"]}
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    seen = []
    for tab in ("Step inspector", "Update rules", "Share & export"):
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, at.exception
        shown = _markdown_shown(at)
        for text in shown:
            _assert_inert(text)
        seen += [_visible(t) for t in shown]
    # ... and yet each label is on the page, as typed: in the table, the inspector, the rules
    for label in (LINK, IMAGE, ANCHOR):
        assert sum(label in t for t in seen) >= 3, label
    assert any(LINK in _visible(e.value) for e in at.markdown)  # the share tab's table
    assert any(IMAGE in _visible(e.value) for e in at.error)  # SGD's divergence, in words
    # the rejected colour is quoted in the link's warnings, as plain text
    assert any("colour" in t.value and "evil.example" in t.value for t in at.text)


# -- figures and exports ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_race():
    scene, _ = from_dict({"surface": "booth", "steps": 20, "title": ANCHOR,
                          "optimizers": [{"optimizer": "adam", "label": LINK, "hyper": {"lr": 9}},
                                         {"optimizer": "sgd", "label": ANCHOR},
                                         {"optimizer": "momentum", "label": "%{x} <b>b</b>"}]})
    return simulate(scene)


def _figure_texts(fig) -> list[str]:
    texts = []
    for tr in fig.data:
        texts += [tr.name or "", getattr(tr, "hovertemplate", None) or ""]
    texts += [a.text or "" for a in fig.layout.annotations]
    texts.append(fig.layout.title.text or "")
    return texts


@pytest.mark.parametrize("make", [landscape_figure, loss_figure, lr_figure, surface3d_figure])
def test_figures_show_labels_as_text_not_html(make, hostile_race):
    fig = make(hostile_race)
    texts = _figure_texts(fig)
    for text in texts:
        assert "<a" not in text and "<b>" not in text, text
        assert "%{x} " not in text, text  # a label's %{…} is no hover variable
    assert any("&lt;a href" in t for t in texts)  # there, as characters
    assert "<a " not in fig.to_json()


def test_svg_export_carries_no_live_link(hostile_race):
    from export import export_bytes, static

    if not static.available():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI")
        pytest.skip("static images need Chromium")
    svg = export_bytes(hostile_race.scene, "svg", race=hostile_race, width=500, height=400)
    assert b"<a " not in svg and b"<a>" not in svg and b"xlink:href=\"https" not in svg
    assert b"evil.example" in svg  # the label is there, as text


def test_pillow_sketch_draws_the_label_text(hostile_race, monkeypatch):
    """The animation's map without Chromium draws the figure's text itself: decoded."""
    from export import sketch

    drawn = []
    real = sketch.ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return real(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(sketch.ImageDraw.ImageDraw, "text", spy)
    sketch.sketch_stage(hostile_race, "article", 600, 480, 1)
    assert any(t.startswith(ANCHOR) for t in drawn), drawn
    assert not any("&lt;" in t for t in drawn)


# -- values: one field falls back, the rest of the link or file is kept -----------------------


@pytest.mark.parametrize("query,field", [
    ("sched=step;step_size=inf", "schedule.step_size"),
    ("sched=step;gamma=nan", "schedule.gamma"),
    ("sched=cosine;eta_min=1e400", "schedule.eta_min"),
    ("steps=" + "9" * 400, "steps"),
    ("steps=" + "9" * 5000, "steps"),
    ("seed=" + "9" * 400, "seed"),
    ("noise=inf", "noise"),
    ("start=nan,1", "start"),
    ("sp=condition:" + "9" * 400, "surface_params.condition"),
    ("opt=sgd;lr=" + "9" * 400, "optimizer 2"),
    ("opt=sgd;lr=-inf", "optimizer 2"),
    ("opt=sgd;momentum=" + "9" * 400 + ".5", "optimizer 2"),
])
def test_a_bad_value_in_a_link_loses_only_that_field(query, field):
    scene, warnings = from_url("?surface=ravine&steps=50&opt=adam;lr=0.3;label=kept&" + query)
    assert not any("could not be read" in w for w in warnings), warnings
    assert any(w.startswith(field) for w in warnings), warnings
    assert scene.surface == "ravine"
    assert scene.optimizers[0].label == "kept" and scene.optimizers[0].hyper["lr"] == 0.3
    if field.startswith("schedule"):
        assert scene.schedule["name"] == query.split("=")[1].split(";")[0]
    for w in warnings:
        assert len(w) < 300
        assert all(len(span) <= QUOTE_CHARS for span in re.findall(r"`([^`]*)`", w)), w
    simulate(scene)  # and the race runs


def test_step_size_inf_keeps_the_link():
    scene, warnings = from_url("?surface=booth&sched=step;step_size=inf;gamma=0.5&opt=adam")
    assert scene.surface == "booth" and [e.optimizer for e in scene.optimizers] == ["adam"]
    assert scene.schedule == {"name": "step", "gamma": 0.5}
    assert len(warnings) == 1 and warnings[0].startswith("schedule.step_size: `inf`")


@pytest.mark.parametrize("value", [
    math.inf, -math.inf, math.nan, 10**400, -(10**400), 10**5000, "9" * 400, "x" * 10_000,
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], {"a": {"b": {"c": 1}}},
    None, True, [],
], ids=["inf", "-inf", "nan", "400 digits", "-400 digits", "5000 digits", "400 digit str",
        "long str", "nested list", "nested dict", "null", "true", "empty list"])
def test_every_field_of_a_scene_file_falls_back_on_a_hostile_value(value):
    fields = ["surface", "surface_params", "start", "steps", "optimizers", "schedule", "noise",
              "sparsity", "seed", "view", "title", "claim"]
    nested = [{"surface_params": {"condition": value}, "surface": "ravine"},
              {"optimizers": [{"optimizer": "adam", "hyper": {"lr": value}}]},
              {"optimizers": [{"optimizer": "adam", "hyper": {"betas": [value, 0.9]}}]},
              {"optimizers": [{"optimizer": value, "label": value, "color": value}]},
              {"schedule": {"name": "onecycle", "div_factor": value}},
              {"schedule": {"name": value}}, {"view": {"step": value, "tab": value}}]
    for data in [{f: value} for f in fields] + nested:
        scene, warnings = from_dict(data)
        json.dumps(json.loads(json.dumps(vars(scene), default=vars, allow_nan=True)))
        sparsity = scene.sparsity if isinstance(scene.sparsity, tuple | list) else (
            scene.sparsity,)  # one value, or one per coordinate
        assert all(math.isfinite(v) for v in (scene.noise, *sparsity)), data
        assert all(len(w) < 300 for w in warnings), warnings


def test_warnings_are_capped_and_values_quoted_short():
    params = {f"junk{i}": "1" for i in range(100)}
    _, warnings = from_query(params)
    assert len(warnings) == MAX_WARNINGS and "more" in warnings[-1]
    assert quote("x" * 500) == "`" + "x" * (QUOTE_CHARS - 1) + "…`"
    assert quote("a`b\nc") == "`a'b c`"
    assert len(quote(10**5000)) <= QUOTE_CHARS + 2


def test_scene_json_with_400_and_5000_digit_numbers_and_deep_nesting():
    text = ('{"surface": "booth", "steps": ' + "1" * 400 + ', "noise": ' + "9" * 400 + '.5, '
            '"seed": ' + "7" * 5000 + ', "optimizers": [{"optimizer": "adam", "hyper": '
            '{"lr": ' + "1" * 400 + '}}]}')
    scene, warnings = from_json(text)
    assert scene.surface == "booth" and scene.optimizers[0].optimizer == "adam"
    assert {w.split(":")[0] for w in warnings} >= {"steps", "noise", "seed", "optimizer 1 (Adam)"}
    scene, warnings = from_json("[" * 100_000 + "]" * 100_000)
    assert warnings and "nested too deeply" in warnings[0]


def test_a_label_called_like_an_object_property_is_just_a_label():
    scene, warnings = from_dict({"optimizers": [{"optimizer": "adam", "label": "__proto__"},
                                                {"optimizer": "sgd", "label": "toString"}]})
    assert not warnings and scene.labels() == ["__proto__", "toString"]
    assert isinstance(scene.optimizers[0], Entry)


# -- the command line ---------------------------------------------------------------------------


def _cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "export", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    return lines[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_cli_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "scene.json"
    os.mkfifo(fifo)
    began = time.monotonic()
    res = _cli(fifo, "-o", tmp_path / "x.csv", timeout=30)  # a hang is a TimeoutExpired
    assert time.monotonic() - began < 30
    assert res.returncode == 2
    assert "not a regular file" in _one_error_line(res.stderr)
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_cli_refuses_dev_zero(tmp_path, capsys):
    assert cli.main(["/dev/zero", "-o", str(tmp_path / "x.csv")]) == 2
    assert "not a regular file" in _one_error_line(capsys.readouterr().err)


def test_cli_refuses_a_file_over_the_size_limit(tmp_path, capsys):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_INPUT + 1)  # sparse: nothing is written
    assert cli.main([str(big), "-o", str(tmp_path / "x.csv")]) == 2
    assert "too large" in _one_error_line(capsys.readouterr().err)


def test_cli_reads_400_digit_numbers_as_per_field_warnings(tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('{"surface": "booth", "steps": ' + "1" * 400 + ', "noise": ' + "9" * 400
                    + '.5, "seed": ' + "7" * 5000 + ', "optimizers": [{"optimizer": "adam", '
                    '"hyper": {"lr": ' + "1" * 400 + '}}], "schedule": {"name": "step", '
                    '"step_size": ' + "1" * 400 + '}}', encoding="utf-8")
    out = tmp_path / "digits.scene.json"
    res = _cli(path, "-o", out)
    assert res.returncode == 0, res.stderr
    warnings = res.stderr.splitlines()
    assert len(warnings) == 5 and all(w.startswith("warning: ") for w in warnings), warnings
    assert all(len(w) < 200 for w in warnings)
    back = json.loads(out.read_text(encoding="utf-8"))
    assert back["surface"] == "booth" and back["steps"] == 500


def test_cli_deep_nesting_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert cli.main([str(path), "-o", str(tmp_path / "x.csv")]) == 2
    assert "nested too deeply" in _one_error_line(capsys.readouterr().err)


def test_cli_step_size_inf_in_a_link(tmp_path, capsys):
    out = tmp_path / "s.scene.json"
    assert cli.main(["?surface=booth&sched=step;step_size=inf&opt=adam", "-o", str(out)]) == 0
    assert "schedule.step_size" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8"))["surface"] == "booth"


@pytest.fixture
def scene_file(tmp_path):
    path = tmp_path / "in" / "race.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"surface": "booth", "steps": 10, "optimizers": ["adam"]}),
                    encoding="utf-8")
    return path


def test_cli_into_a_missing_directory_leaves_nothing(scene_file, tmp_path, capsys):
    out = tmp_path / "missing" / "x.csv"
    assert cli.main([str(scene_file), "-o", str(out)]) == 2
    _one_error_line(capsys.readouterr().err)
    assert not out.parent.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_cli_into_a_read_only_directory_leaves_nothing(scene_file, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert cli.main([str(scene_file), "-o", str(folder / "x.csv")]) == 2
        _one_error_line(capsys.readouterr().err)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_cli_failed_write_keeps_the_old_file_and_leaves_no_partial_one(scene_file, tmp_path,
                                                                       capsys, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.csv"
    out.write_text("the previous export\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", disk_full)
    assert cli.main([str(scene_file), "-o", str(out)]) == 2
    assert "No space left" in _one_error_line(capsys.readouterr().err)
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in folder.iterdir()) == ["x.csv"]  # no temporary file left
    monkeypatch.undo()
    assert cli.main([str(scene_file), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("step,")
    assert sorted(p.name for p in folder.iterdir()) == ["x.csv"]
    assert (out.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cli_output_that_is_a_directory_is_left_alone(scene_file, tmp_path, capsys):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    assert cli.main([str(scene_file), "-o", str(folder)]) == 2
    _one_error_line(capsys.readouterr().err)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_race_with_hostile_labels_still_exports_data(hostile_race, tmp_path):
    from export import export_bytes

    doc = json.loads(export_bytes(hostile_race.scene, "json", race=hostile_race))
    assert [t["label"] for t in doc["trajectories"]] == [LINK, ANCHOR, "%{x} <b>b</b>"]
    assert replace(hostile_race.scene).title == ANCHOR
