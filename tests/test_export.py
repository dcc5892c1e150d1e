"""Every export format from a scene, checked by reading it back; the command line's exit codes
and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import export
from export import ExportError, export_bytes, format_for_path, static
from export import __main__ as cli
from export.animate import frame_steps, plot_area
from figures import landscape_figure
from scene import default_scene, from_dict, from_json, normalized, to_dict, to_json
from scene.race import simulate

ROOT = Path(__file__).resolve().parents[1]
HAVE_CHROMIUM = shutil.which("chromium") is not None or static.chromium_path() is not None
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM and os.environ.get("CI") != "true",
    reason="static images need Chromium (apt-get install chromium)")
SMALL = {"width": 320, "height": 260, "scale": 1}


@pytest.fixture(scope="module")
def scene():
    return replace(default_scene(), steps=60)


@pytest.fixture(scope="module")
def race(scene):
    return simulate(scene)


def _points(race) -> int:
    return sum(r.traj.n for r in race.racers)


# -- data ------------------------------------------------------------------------------------


def test_csv_has_a_row_per_point(scene, race):
    data = export_bytes(scene, "csv", race=race)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0]) == ["step", "optimizer", "x", "y", "loss", "lr"]
    assert len(rows) == _points(race)
    first = race.racers[0]
    mine = [r for r in rows if r["optimizer"] == first.label]
    assert [int(r["step"]) for r in mine] == list(range(first.traj.n))
    assert float(mine[5]["x"]) == first.traj.xy[5, 0]  # full precision
    assert float(mine[5]["lr"]) == first.traj.lr[5]
    assert mine[-1]["lr"] == ""  # no update leaves the last point
    assert sum(r["lr"] == "" for r in rows) == len(race.racers)


def test_json_has_scene_and_every_point(scene, race):
    doc = json.loads(export_bytes(scene, "json", race=race))
    assert doc["scene"] == to_dict(scene)
    assert from_dict(doc["scene"]) == (normalized(scene), [])
    trajs = doc["trajectories"]
    assert [t["label"] for t in trajs] == scene.labels()
    assert sum(len(t["points"]) for t in trajs) == _points(race)
    adam = trajs[3]
    assert adam["optimizer"] == "adam" and adam["hyper"]["betas"] == [0.9, 0.999]
    assert adam["status"] == "completed" and adam["diverged_at"] is None
    assert set(adam["points"][0]) == {"step", "x", "y", "loss", "lr"}
    assert adam["points"][-1]["lr"] is None


def test_scene_json(scene):
    text = export_bytes(scene, "scene").decode("utf-8")
    assert from_json(text) == (normalized(scene), [])


def test_data_exports_simulate_when_no_race_is_given(scene):
    assert export_bytes(scene, "csv").count(b"\n") == 1 + 4 * 61


# -- animations ------------------------------------------------------------------------------


def test_gif_has_the_requested_frames(scene, race):
    data = export_bytes(scene, "gif", race=race, frames=12, fps=10, width=600, height=450,
                        scale=1)
    assert data[:6] == b"GIF89a"
    made = landscape_figure(race, width=600, height=450).layout  # cut to what it draws
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (made.width, made.height) and made.width <= 600
        assert im.n_frames == 12
        im.seek(11)
        last = im.convert("RGB")
    # every racer's colour is there exactly (paths, positions, legend)
    colors = {c for _, c in last.getcolors(600 * 450)}
    for racer in race.racers:
        rgb = tuple(int(racer.color[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colors


def test_gif_without_chromium_draws_the_map_with_pillow(scene, race, monkeypatch):
    monkeypatch.setattr(static, "available", lambda: False)
    notes: list[str] = []
    data = export_bytes(scene, "gif", race=race, frames=5, notes=notes, **SMALL)
    made = landscape_figure(race, **{k: v for k, v in SMALL.items() if k != "scale"}).layout
    with Image.open(io.BytesIO(data)) as im:
        assert im.n_frames == 5 and im.size == (made.width, made.height)
    assert notes and "Chromium" in notes[0]


def test_mp4_has_the_requested_frames(scene, race):
    import imageio.v3 as iio

    data = export_bytes(scene, "mp4", race=race, frames=10, fps=10, width=321, height=261,
                        scale=1)
    assert data[4:8] == b"ftyp"
    frames = iio.imread(data, plugin="FFMPEG", extension=".mp4", index=None)
    assert len(frames) == 10
    made = landscape_figure(race, width=321, height=261).layout
    # padded to even sizes for yuv420p
    assert frames.shape[1:] == (made.height + made.height % 2, made.width + made.width % 2, 3)


def test_frame_steps():
    assert frame_steps(100, 5) == [0, 25, 50, 75, 100]
    assert frame_steps(500, 1) == [500]
    steps = frame_steps(500, 120)
    assert len(steps) == 120 and steps[0] == 0 and steps[-1] == 500


# -- static images ---------------------------------------------------------------------------


@needs_chromium
def test_png(scene, race):
    data = export_bytes(scene, "png", race=race, width=400, height=300, scale=2)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    made = landscape_figure(race, width=400, height=300).layout
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (2 * made.width, 2 * made.height)
    # the loss curves keep the size asked for
    loss = export_bytes(scene, "png", race=race, figure="loss", width=400, height=300, scale=2)
    with Image.open(io.BytesIO(loss)) as im:
        assert im.size == (800, 600)


@needs_chromium
def test_map_is_cut_to_what_it_draws(race):
    """A square surface in a wide figure: no empty band left of the y axis's labels."""
    fig = landscape_figure(race, width=900, height=700)
    t = fig.layout
    assert t.width < 900 and t.height == 700
    fs = 16
    assert t.margin.l <= 3.0 * fs + 1.4 * 17 + 14 + 40


README_SCENES = [
    "assets/scenes/01-momentum-ravine.json", "assets/scenes/04-sgd-diverges.json",
    "assets/scenes/08-adam-two-rates.json",
    "?surface=ravine&sp=condition:50;angle:30&steps=300&opt=sgd;lr=0.02&opt=adam;lr=0.3",
    "?surface=booth&steps=200&opt=sgd;lr=0.05&opt=lion;lr=0.03",
]


@needs_chromium
@pytest.mark.parametrize("source", README_SCENES)
def test_map_svg_of_the_readmes_scenes_is_small(source):
    """The bands between contour lines are one embedded picture and the lines smoothed paths:
    the map's SVG stays under 300 kB (filled contours made 370-540 kB)."""
    from scene.url import from_url

    scene = from_url(source)[0] if source.startswith("?") else from_json(
        (ROOT / source).read_text(encoding="utf-8"))[0]
    data = export_bytes(scene, "svg")
    assert len(data) < 300_000, len(data)
    root = ET.fromstring(data)
    assert len([e for e in root.iter() if e.tag.endswith("image")]) == 1


@needs_chromium
def test_pdf_title_is_the_scenes(scene, race):
    titled = replace(scene, title="Momentum − calms the zig-zag")
    data = export_bytes(titled, "pdf", **SMALL)
    assert _pdf_title(data) == "Momentum − calms the zig-zag"
    loss = export_bytes(scene, "pdf", race=race, figure="loss", **SMALL)
    assert _pdf_title(loss) == "Loss on Rosenbrock"


def _pdf_title(pdf: bytes) -> str:
    """The /Title of the information dictionary the PDF's last trailer names (read as a PDF
    reader does: the last trailer, its /Info object, the newest copy of that object)."""
    import re

    info = re.findall(rb"/Info\s+(\d+)\s+0\s+R", pdf)[-1]
    obj = re.findall(rb"(?<![0-9])" + info + rb"\s+0\s+obj\s*<<(.*?)>>\s*endobj", pdf,
                     re.S)[-1]
    m = re.search(rb"/Title\s*(<[0-9A-Fa-f]*>|\((?:\\.|[^\\)])*\))", obj)
    raw = m.group(1)
    if raw.startswith(b"<"):
        b = bytes.fromhex(raw[1:-1].decode())
        return b[2:].decode("utf-16-be") if b[:2] == b"\xfe\xff" else b.decode("latin-1")
    return raw[1:-1].decode("latin-1")


@needs_chromium
def test_svg_is_xml(scene, race):
    data = export_bytes(scene, "svg", race=race, **SMALL)
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")


@needs_chromium
def test_pdf(scene, race):
    data = export_bytes(scene, "pdf", race=race, figure="loss", **SMALL)
    assert data[:4] == b"%PDF"


@needs_chromium
def test_loss_png(scene, race):
    data = export_bytes(scene, "png", race=race, figure="loss", **SMALL)
    assert data[:4] == b"\x89PNG"


@needs_chromium
def test_plot_area_mapping_matches_the_rendered_map(race):
    """The start marker (white, drawn by Plotly) sits where the animation maps the start."""
    fig = landscape_figure(race, width=500, height=400, paths=False)
    png = static.render(fig, "png", width=fig.layout.width, height=fig.layout.height, scale=2)
    im = Image.open(io.BytesIO(png)).convert("RGB")
    left, top, right, bottom = plot_area(fig, 2)
    (x0, x1), (y0, y1) = race.surface.bounds
    sx, sy = race.scene.start_point()
    px = left + (sx - x0) / (x1 - x0) * (right - left)
    py = top + (y1 - sy) / (y1 - y0) * (bottom - top)
    assert im.getpixel((round(px), round(py))) == (255, 255, 255)
    assert im.getpixel((round(px), round(py + 30))) != (255, 255, 255)


def test_missing_chromium_is_one_clear_message(monkeypatch, race):
    monkeypatch.setattr(static, "chromium_path", lambda: None)
    fresh = static._Browser()
    with pytest.raises(ExportError) as info:
        fresh.render(landscape_figure(race), "png", 300, 200, 1)
    assert "apt-get install chromium" in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.kind == "unavailable"


# -- requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [
    {"fmt": "bmp"}, {"fmt": "png", "width": 10}, {"fmt": "png", "scale": 0},
    {"fmt": "gif", "fps": 0}, {"fmt": "gif", "fps": 60}, {"fmt": "mp4", "frames": 0},
    {"fmt": "png", "figure": "map"}, {"fmt": "png", "theme": "dark"},
])
def test_bad_requests_raise_export_error(scene, race, kwargs):
    with pytest.raises(ExportError) as info:
        export_bytes(scene, race=race, **kwargs)
    assert info.value.kind == "input"


def test_format_for_path_and_file_name(scene):
    assert format_for_path("a/b/race.PNG") == "png"
    assert format_for_path("race.scene.json") == "scene"
    assert format_for_path("race.json") == "json"
    assert format_for_path("race.txt") is None
    assert format_for_path("race") is None
    assert export.file_name(scene, "gif") == "rosenbrock-race.gif"
    assert export.file_name(scene, "pdf", "loss") == "rosenbrock-loss.pdf"
    assert export.file_name(scene, "scene") == "rosenbrock.scene.json"
    titled = replace(scene, title="SGD's and Adam's basins on Himmelblau differ")
    assert export.file_name(titled, "png", "basins") == (
        "sgds-and-adams-basins-on-himmelblau-differ-basins.png")


# -- command line ----------------------------------------------------------------------------


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "export", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def scene_file(tmp_path, scene):
    path = tmp_path / "race.json"
    path.write_text(to_json(scene), encoding="utf-8")
    return path


def _one_error_line(stderr: str) -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:")
    assert "Traceback" not in stderr


def test_cli_good_input(scene_file, tmp_path):
    out = tmp_path / "race.csv"
    res = _cli(scene_file, "-o", out)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"wrote {out} (")
    assert out.read_bytes().count(b"\n") == 1 + 4 * 61


def test_cli_missing_file(tmp_path):
    res = _cli(tmp_path / "nope.json", "-o", tmp_path / "x.png")
    assert res.returncode == 2
    _one_error_line(res.stderr)


def test_cli_invalid_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = _cli(bad, "-o", tmp_path / "x.csv")
    assert res.returncode == 2
    _one_error_line(res.stderr)
    assert "not valid JSON" in res.stderr


@pytest.mark.parametrize("argv", [
    ["{scene}", "-o", "{tmp}/x.txt"],          # unknown extension
    ["{scene}", "-o", "{tmp}/x"],              # no extension
    ["{scene}", "-o", "{tmp}/x.png", "--width", "wide"],
    ["{scene}", "-o", "{tmp}/x.gif", "--fps", "0"],
    ["{scene}", "-o", "{tmp}/x.gif", "--figure", "loss"],
    ["{scene}"],                               # no output
    ["{tmp}", "-o", "{tmp}/x.csv"],            # a directory
    ["{tmp}/list.json", "-o", "{tmp}/x.csv"],  # JSON but not an object
])
def test_cli_bad_input_in_process(argv, scene_file, tmp_path, capsys):
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    args = [a.format(scene=scene_file, tmp=tmp_path) for a in argv]
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2
    _one_error_line(err)


def test_cli_forgiving_scene_file_warns_and_continues(tmp_path, capsys):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"surface": "nowhere", "steps": 30,
                                "optimizers": ["adam", "mystery"]}), encoding="utf-8")
    out = tmp_path / "odd.json.csv"
    assert cli.main([str(path), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning: surface" in captured.err and "mystery" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.startswith("wrote ")
    assert out.read_bytes().count(b"\n") == 1 + 31


def test_cli_share_url(tmp_path, capsys):
    url = ("https://example.org/?surface=ravine&sp=condition:50;angle:30&steps=40"
           "&opt=sgd;lr=0.02&opt=adam;lr=0.3;label=Adam fast")
    out = tmp_path / "paths.json"
    assert cli.main([url, "-o", str(out)]) == 0
    doc = json.loads(out.read_bytes())
    assert doc["scene"]["surface"] == "ravine"
    assert [t["label"] for t in doc["trajectories"]] == ["SGD", "Adam fast"]
    assert cli.main(["?surface=booth&steps=10", "-o", str(tmp_path / "b.scene.json")]) == 0


def test_cli_export_impossible_exits_3(scene_file, tmp_path, capsys, monkeypatch):
    def unavailable(*args, **kwargs):
        raise ExportError(static.NEED_CHROMIUM)

    monkeypatch.setattr(static, "render", unavailable)
    assert cli.main([str(scene_file), "-o", str(tmp_path / "x.png")]) == 3
    err = capsys.readouterr().err
    _one_error_line(err)
    assert "apt-get install chromium" in err


@needs_chromium
def test_cli_png(scene_file, tmp_path):
    out = tmp_path / "race.png"
    res = _cli(scene_file, "-o", out, "--width", 400, "--height", 300, "--scale", 1)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    made = landscape_figure(simulate(from_json(scene_file.read_text())[0]), width=400,
                            height=300).layout  # the map, cut to what it draws
    assert f"{made.width}×{made.height} PNG" in res.stdout


def test_numbers_are_finite(race):
    for r in race.racers:
        assert np.isfinite(r.traj.xy).all()


def test_a_paused_scene_exports_the_paths_as_far_as_they_are_shown():
    from dataclasses import replace

    from export import build_figure
    from scene import default_scene
    from scene.race import simulate

    paused = simulate(replace(default_scene(), view={"step": 10, "arrows": False, "tab": "map"}))
    whole = simulate(default_scene())
    for figure in ("landscape", "3d"):
        cut = [len(t.x) for t in build_figure(paused, figure).data
               if t.x is not None and len(t.x) == 11]
        assert len(cut) == 4, figure  # the four paths end at step 10, as on the screen
    assert not [t for t in build_figure(whole, "landscape").data
                if t.x is not None and len(t.x) == 11]


def test_animation_draws_each_racers_dash_pattern_and_marker(race):
    """The animator draws racer i's path in its dash pattern and its position in its marker
    symbol (from the map's specification), at one stroke width for every racer."""
    from export.animate import Animator
    from export.sketch import sketch_stage
    from export.stage import dashes
    from figures.mapspec import racer_style

    stage = sketch_stage(race, "article", 400, 300, 1)
    anim = Animator(race, stage, "article")
    assert anim.patterns[0] == []  # solid
    assert anim.patterns[1] == racer_style(1).dash_px(anim.width_high) != []
    covered = [int((np.asarray(d)[..., 3] > 128).sum()) for d in anim.dots]
    assert covered[1] > covered[0]  # a square covers more than a disc of the same size
    assert len({tuple(np.asarray(d)[..., 3].ravel()) for d in anim.dots}) == len(anim.dots)
    # dashes of a straight line: on 4, off 2, phase carried over to the next piece
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    pieces, phase = dashes(line, [4.0, 2.0], 0.0)
    assert [tuple(p[[0, -1], 0]) for p in pieces] == [(0.0, 4.0), (6.0, 10.0)]
    assert phase == pytest.approx(4.0)
    more, _ = dashes(np.array([[10.0, 0.0], [14.0, 0.0]]), [4.0, 2.0], phase)
    assert tuple(more[0][[0, -1], 0]) == (12.0, 14.0)  # the gap 10–12 continues
