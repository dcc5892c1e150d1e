"""The Streamlit script driven through Streamlit's own test harness (no browser)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from landscapes import SURFACES
from optimizers import OPTIMIZERS
from optimizers.schedules import SCHEDULES
from scene import default_scene
from scene.presets import load_presets
from scene.url import from_query, to_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _claim_shown(at: AppTest, claim: str) -> bool:
    """The header line holding a preset's claim (one line, opening for the whole text)."""
    return any(claim[:40] in re.sub(r"\\(.)", r"\1", e.label) for e in at.expander)


def _link_warned(at: AppTest) -> bool:
    return any("could not be used" in e.label for e in at.expander)


def _table(at: AppTest, first: str) -> pd.DataFrame:
    """A Markdown table the app drew, whose first header cell is ``first``, as a DataFrame
    indexed by its first column (optimizer names without their colour dot)."""
    for md in at.markdown:
        if md.value.startswith(f"| {first} |"):
            lines = md.value.splitlines()
            split = [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in lines]
            header = [re.sub(r"<[^>]+>●</span>\s*", "", h) for h in split[0]]
            rows = [[re.sub(r"<[^>]+>●</span>\s*", "", _shown(c)) for c in r]
                    for r in split[2:]]
            df = pd.DataFrame(rows, columns=[_shown(h) for h in header])
            return df.set_index(first)
    raise AssertionError(f"no table starting with {first!r}")


def _shown(markdown: str) -> str:
    """The text a Markdown cell shows: escapes undone, invisible word joiners dropped."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", ""))


def _num(v: str) -> float:
    return float(v.replace(",", ""))


def _metrics(at: AppTest) -> pd.DataFrame:
    df = _table(at, "optimizer").rename(columns={"final loss (train)": "final loss"})
    for col in ("final loss", "best loss", "path length"):
        df[col] = df[col].map(_num)
    return df


def _qp(at: AppTest, key: str) -> list[str]:
    """All values of one query parameter the app wrote."""
    v = at.query_params.get(key)
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def _open(at: AppTest, *eids: int) -> AppTest:
    """Open optimizers' panels in the sidebar (a closed panel draws no widgets)."""
    for eid in eids:
        at.session_state[f"open{eid}"] = True
    return at.run()


def _sections(at: AppTest, *keys: str) -> AppTest:
    """Open folded parts of the sidebar ("sched", "noise", "test"): closed, they draw no
    widgets."""
    for key in keys:
        at.session_state[f"open_{key}"] = True
    return at.run()


def _tab(at: AppTest, label: str) -> AppTest:
    """Switch to one of the tabs below the race (only the open tab is built)."""
    at.session_state["tab"] = label
    return at.run()


def _entry_ids(at: AppTest) -> list[int]:
    return list(at.session_state["entry_ids"])


def test_default_scene_loads_with_four_racers_and_no_errors():
    at = _app()
    assert any(e.label.startswith("**Optimizer Race**") for e in at.expander)
    df = _metrics(at)
    assert list(df.index) == ["SGD", "Momentum", "RMSProp", "Adam"]
    assert not at.error
    # The default scene already tells a story: momentum ends far below plain SGD.
    assert df.loc["Momentum", "final loss"] < df.loc["SGD", "final loss"] / 10


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_surface_runs(name):
    at = _app()
    at.selectbox(key="surface").set_value(name).run()
    assert not at.exception
    assert at.session_state["surface"] == name
    assert len(_metrics(at)) == 4
    # The start moved to the surface's own demonstration start.
    assert (at.session_state["x0"], at.session_state["y0"]) == pytest.approx(
        SURFACES[name].start)


def test_surface_parameters_are_controls():
    at = _app()
    at.selectbox(key="surface").set_value("ravine").run()
    keys = [w.key for w in at.sidebar.select_slider] + [w.key for w in at.sidebar.slider]
    assert "sp_ravine_condition" in keys and "sp_ravine_angle" in keys
    at.slider(key="sp_ravine_angle").set_value(30.0).run()
    assert not at.exception
    assert any("angle:30" in v for v in _qp(at, "sp"))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_can_be_added_and_edited(name):
    at = _app()
    at.selectbox(key="add_which").set_value(name).run()
    at.button[[b.label for b in at.button].index("Add")].click().run()
    assert not at.exception
    ids = _entry_ids(at)
    assert len(ids) == 5 and at.session_state[f"e{ids[-1]}_opt"] == name
    new = ids[-1]
    assert [w for w in at.select_slider if w.key == f"e{new}_lr"]  # its panel opened itself
    for key, h in OPTIMIZERS[name].spec.items():
        if h.kind == "bool":
            at.checkbox(key=f"e{new}_{key}").set_value(not h.default).run()
    assert not at.exception
    assert len(_metrics(at)) + len([w for w in at.warning if "sits out" in w.value]) == 5


@pytest.mark.parametrize("preset", list(load_presets()))
def test_every_preset_loads_and_states_its_claim(preset):
    at = _app()
    at.selectbox(key="preset").set_value(preset).run()
    assert not at.exception
    scene = load_presets()[preset]
    from ui.header import claim_after_title

    claim = claim_after_title(scene.title, scene.claim)
    assert _claim_shown(at, claim)
    if claim != scene.claim:  # a claim whose first sentence is the title says it once
        assert scene.claim.startswith(scene.title) and scene.claim.endswith(claim)
        label = next(re.sub(r"\\(.)", r"\1", e.label) for e in at.expander
                     if claim[:40] in re.sub(r"\\(.)", r"\1", e.label))
        assert label.count(scene.title) == 1
    assert len(_metrics(at)) == len(scene.optimizers)
    assert at.session_state["surface"] == scene.surface


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_runs(name):
    at = _sections(_app(), "sched")
    at.selectbox(key="sched").set_value(name).run()
    assert not at.exception
    assert not at.warning


def test_learning_rate_change_redraws_the_race():
    at = _app()
    adam = _entry_ids(at)[3]
    _open(at, adam)
    before = _metrics(at).loc["Adam", "final loss"]
    at.select_slider(key=f"e{adam}_lr").set_value(0.1).run()
    after = _metrics(at).loc["Adam", "final loss"]
    assert after != before
    assert "lr=0.1" in ";".join(_qp(at, "opt"))


def test_divergence_is_reported_plainly_and_the_scene_is_kept():
    at = _app()
    sgd = _entry_ids(at)[0]
    _open(at, sgd)
    at.select_slider(key=f"e{sgd}_lr").set_value(0.1).run()
    assert any("SGD** diverged at step" in e.value for e in at.error)
    assert _metrics(at).loc["SGD", "status"].startswith("diverged at step")
    assert len(_entry_ids(at)) == 4


def test_invalid_combination_is_named_and_settings_are_kept():
    at = _app()
    sgd = _entry_ids(at)[0]
    _open(at, sgd)
    at.checkbox(key=f"e{sgd}_nesterov").check().run()
    assert not at.exception
    assert any("Nesterov momentum requires" in w.value for w in at.warning)
    assert "SGD" not in _metrics(at).index
    assert at.session_state[f"e{sgd}_nesterov"] is True  # nothing the user had is lost
    at.slider(key=f"e{sgd}_momentum").set_value(0.5).run()
    assert "SGD" in _metrics(at).index


def test_closed_panels_keep_their_settings_and_show_the_learning_rate():
    at = _app()
    adam = _entry_ids(at)[3]
    assert not [w for w in at.select_slider if w.key == f"e{adam}_lr"]  # closed: not drawn
    _open(at, adam)
    at.select_slider(key=f"e{adam}_lr").set_value(0.2).run()
    at.checkbox(key=f"e{adam}_amsgrad").check().run()
    at.session_state[f"open{adam}"] = False
    at.run()
    at.number_input(key="steps").set_value(300).run()  # any other change: a full rerun
    assert not at.exception
    assert at.session_state[f"e{adam}_lr"] == 0.2 and at.session_state[f"e{adam}_amsgrad"]
    assert any(e.label == "4. Adam · lr 0.2" for e in at.expander)
    assert any("lr=0.2" in v and "amsgrad" in v for v in _qp(at, "opt"))


def test_remove_and_duplicate():
    at = _app()
    first = _entry_ids(at)[0]
    _open(at, first)
    at.button(key=f"dup{first}").click().run()
    assert len(_entry_ids(at)) == 5
    copy = _entry_ids(at)[1]
    assert at.select_slider(key=f"e{copy}_lr").value == at.session_state[f"e{first}_lr"]
    at.button(key=f"rm{first}").click().run()
    assert len(_entry_ids(at)) == 4 and first not in _entry_ids(at)


def test_noise_sparsity_seed_change_the_paths():
    at = _sections(_app(), "noise")
    base = _metrics(at)["final loss"].tolist()
    at.number_input(key="noise").set_value(2.0).run()
    noisy = _metrics(at)["final loss"].tolist()
    at.number_input(key="seed").set_value(5).run()
    reseeded = _metrics(at)["final loss"].tolist()
    at.slider(key="sparsity").set_value(0.5).run()
    assert not at.exception
    assert noisy != base and reseeded != noisy


def test_start_point_inputs_and_reset():
    at = _app()
    at.number_input(key="x0").set_value(0.5).run()
    assert _qp(at, "start")[0].startswith("0.5,")
    at.button[[b.label for b in at.button].index("Reset to the surface's start")].click().run()
    assert at.session_state["x0"] == pytest.approx(SURFACES["rosenbrock"].start[0])


def test_share_link_reproduces_the_scene():
    scene = default_scene()
    scene.surface, scene.surface_params, scene.start = "ravine", {"condition": 50.0}, (-8.0, 3.0)
    scene.schedule = {"name": "cosine", "T_max": 300, "eta_min": 0.0}
    scene.noise, scene.seed = 0.5, 4
    at = _app({k: v for k, v in to_query(scene).items()})
    assert not at.warning
    rebuilt, warnings = from_query({k: _qp(at, k) for k in at.query_params})
    assert not warnings
    assert rebuilt.surface == "ravine" and rebuilt.start == (-8.0, 3.0)
    assert rebuilt.schedule["name"] == "cosine" and rebuilt.noise == 0.5


@pytest.mark.parametrize("query", [
    {"surface": "nowhere"},
    {"steps": "-3", "noise": "lots"},
    {"opt": ["adam;lr=-1", "bogus", "sgd;momentum=abc"]},
    {"start": "1e999,2", "sched": "cosine;T_max=0"},
    {"sp": "condition:0", "surface": "ravine"},
    {"opt": "nesterov;momentum=0"},
])
def test_tampered_links_warn_and_fall_back(query):
    at = _app(query)
    assert _link_warned(at), "a bad link must say what was wrong"
    assert len(_metrics(at)) >= 1 or not at.session_state["entry_ids"]


def test_step_inspector_and_update_rules_show_values():
    at = _app()
    at.number_input(key="inspect_step").set_value(3).run()
    table = _table(at, "quantity")
    assert "exp_avg" in table.index and "momentum_buffer" in table.index
    assert table.loc["gradient g", "Adam"].startswith("(")
    assert table.loc["momentum_buffer", "Adam"] == "—"
    caption = next(c.value for c in at.caption if c.value.startswith("Update 3 moves"))
    from optimizers import adam, sgd

    assert f"**exp_avg** {adam.STATE_TEXT['exp_avg']}" in caption  # each module's own words
    assert f"**momentum_buffer** {sgd.STATE_TEXT['momentum_buffer']}" in caption
    assert not any("m_t" in e.value for e in at.latex)  # a closed tab is not built
    _tab(at, "Update rules")
    latex = [e.value for e in at.latex]
    assert any("0.999" in v and "m_t" in v for v in latex)


def test_export_from_the_app_offers_the_file():
    at = _app()
    _tab(at, "Share & export")
    fmt = next(s for s in at.selectbox if s.label == "format")
    fmt.set_value("gif").run()
    create = next(b for b in at.button if b.label == "Create file")
    create.click().run()
    assert not at.exception and not at.error
    downloads = [d for d in at.get("download_button") if "Download" in d.proto.label]
    assert downloads and ".gif" in downloads[0].proto.label
    # Changing the scene makes the file stale: it is not offered any more.
    at.number_input(key="steps").set_value(300).run()
    assert not [d for d in at.get("download_button") if "Download" in d.proto.label]
    assert any("create it again" in c.value for c in at.caption)
    # The export choices survive a visit to another tab.
    _tab(at, "About this surface")
    assert any("Rosenbrock" in m.value for m in at.markdown)
    _tab(at, "Share & export")
    assert next(s for s in at.selectbox if s.label == "format").value == "gif"


def test_the_export_box_makes_a_16_9_slide_and_an_interactive_page():
    """The size "slide 16:9" gives a 1920 × 1080 figure in large type (the map centred on it,
    not cut to what it draws); the interactive page is offered as a format of its own; GIF
    and MP4 keep the article size."""
    import io

    from PIL import Image

    from tests.browser import require_chromium

    require_chromium()
    at = _app()
    _tab(at, "Share & export")
    at.selectbox(key="export_format").set_value("png").run()
    at.selectbox(key="export_size").set_value("slide").run()
    at.select_slider(key="export_scale").set_value(1).run()
    assert at.selectbox(key="export_theme").disabled  # a slide is in large type
    next(b for b in at.button if b.label == "Create file").click().run()
    assert not at.exception and not at.error
    wanted, data, _ = at.session_state["export_file"]
    assert wanted[3] == "screen" and Image.open(io.BytesIO(data)).size == (1920, 1080)
    at.selectbox(key="export_format").set_value("html").run()
    next(b for b in at.button if b.label == "Create file").click().run()
    wanted, data, _ = at.session_state["export_file"]
    assert data.lower().startswith(b"<!doctype html>") and wanted[5:] == (1920, 1080)
    downloads = [d for d in at.get("download_button") if "Download" in d.proto.label]
    assert downloads and "-race.html" in downloads[0].proto.label
    at.selectbox(key="export_format").set_value("gif").run()
    assert at.selectbox(key="export_size").disabled


def test_label_colour_and_type_of_a_racer_are_editable():
    at = _app()
    first = _entry_ids(at)[0]
    _open(at, first)
    at.text_input(key=f"e{first}_label").input("plain GD").run()
    assert "plain GD" in _metrics(at).index
    assert at.text_input(key=f"e{first}_label").value == "plain GD"  # the panel stays open
    at.color_picker(key=f"e{first}_color").pick("#882255").run()
    assert any("color=#882255" in v for v in _qp(at, "opt"))
    at.selectbox(key=f"e{first}_opt").set_value("lion").run()
    assert not at.exception
    assert at.session_state[f"e{first}_opt"] == "lion"
    assert _qp(at, "opt")[0].startswith("lion")


def test_schedule_parameters_change_the_learning_rates():
    at = _sections(_app(), "sched")
    at.selectbox(key="sched").set_value("warmup_linear").run()
    at.number_input(key="sched_warmup_linear_warmup").set_value(100).run()
    assert not at.exception and not at.warning
    assert any("warmup=100" in v for v in _qp(at, "sched"))
    at.selectbox(key="sched").set_value("onecycle").run()
    at.selectbox(key="sched_onecycle_anneal_strategy").set_value("linear").run()
    at.checkbox(key="sched_onecycle_three_phase").check().run()
    assert not at.exception
    assert any("three_phase=1" in v for v in _qp(at, "sched"))


def test_a_preset_link_brings_its_claim_along():
    at = _app()
    at.selectbox(key="preset").set_value("07-saddle").run()
    assert _qp(at, "preset") == ["07-saddle"]
    shared = {k: _qp(at, k) for k in at.query_params}
    again = _app(shared)
    claim = load_presets()["07-saddle"].claim
    assert _claim_shown(again, claim)
    assert again.session_state["preset"] == "07-saddle"
    # Changing the surface leaves the preset: its claim and the link's preset go away.
    again.selectbox(key="surface").set_value("booth").run()
    assert not _qp(again, "preset") and not _claim_shown(again, claim)


# ---- defects found trying the page as a new user would


def _colors(at: AppTest) -> list[str]:
    from scene import PALETTE as palette

    ids = _entry_ids(at)
    return [(at.session_state[f"e{e}_color"] or palette[i % len(palette)]).upper()
            for i, e in enumerate(ids)]


def test_racers_never_share_a_colour():
    at = _app()
    first = _entry_ids(at)[0]
    _open(at, first)
    at.button(key=f"dup{first}").click().run()
    copy = _entry_ids(at)[1]
    at.selectbox(key=f"e{copy}_opt").set_value("nesterov").run()
    at.button(key=f"rm{first}").click().run()
    at.selectbox(key="add_which").set_value("adam").run()
    next(b for b in at.button if b.label == "Add").click().run()
    colors = _colors(at)
    assert len(colors) == 5 and len(set(colors)) == 5, colors


def test_a_surface_parameter_keeps_the_start_the_user_chose():
    at = _app({"surface": "ravine"})
    at.number_input(key="x0").set_value(2.5).run()
    at.number_input(key="y0").set_value(-1.5).run()
    at.slider(key="sp_ravine_angle").set_value(45.0).run()
    assert (at.session_state["x0"], at.session_state["y0"]) == (2.5, -1.5)
    # A start that was the surface's own follows the surface.
    at = _app({"surface": "ravine"})
    at.slider(key="sp_ravine_angle").set_value(45.0).run()
    from landscapes import get_surface

    assert (at.session_state["x0"], at.session_state["y0"]) == tuple(
        map(float, get_surface("ravine", angle=45.0).start))


def test_step_and_tab_from_a_link_are_kept_and_follow_the_inspector():
    at = _app({"surface": "booth", "steps": "200", "opt": "sgd;lr=0.05", "step": "120",
               "tab": "3d", "arrows": "1"})
    assert _qp(at, "step") == ["120"] and _qp(at, "tab") == ["3d"] and _qp(at, "arrows") == ["1"]
    assert at.number_input(key="inspect_step").value == 120  # the update the arrows show
    at.number_input(key="steps").set_value(250).run()  # another change keeps them
    assert _qp(at, "step") == ["120"] and _qp(at, "tab") == ["3d"]
    at.number_input(key="inspect_step").set_value(42).run()  # the player follows the inspector
    assert _qp(at, "step") == ["42"]


def test_share_box_holds_the_whole_link():
    at = _app()
    at.session_state["tab"] = "Share & export"
    at.run()
    codes = [c.value for c in at.code]
    assert any("?surface=rosenbrock" in c and "opt=adam" in c for c in codes), codes


def test_large_values_from_a_link_survive_the_widgets():
    at = _app({"opt": "adam;betas=0.9995,0.999", "sched": "step;step_size=900000"})
    assert not _link_warned(at)
    eid = _entry_ids(at)[0]
    _open(at, eid)
    assert not at.exception
    _sections(at, "noise")
    at.number_input(key="seed").set_value(3).run()  # any other interaction
    assert not at.exception
    assert any("step_size=900000" in q for q in _qp(at, "sched"))
    assert any("betas=0.9995" in q for q in _qp(at, "opt"))


def test_sliders_step_by_round_values_and_the_start_stays_short():
    at = _app()
    mom = _entry_ids(at)[1]
    _open(at, mom)
    assert at.slider(key=f"e{mom}_momentum").proto.step == pytest.approx(0.001)
    at = _app({"surface": "ravine"})
    assert at.slider(key="sp_ravine_angle").proto.step == 1.0
    at.number_input(key="x0").set_value(-1.0999999999999999).run()
    assert _qp(at, "start")[0].startswith("-1.1,")


@pytest.mark.parametrize("name", ["lion", "adam"])
def test_beta_sliders_are_labelled_by_the_optimizers_spec(name):
    at = _app()
    at.selectbox(key="add_which").set_value(name).run()
    at.button[[b.label for b in at.button].index("Add")].click().run()
    new = _entry_ids(at)[-1]
    labels = OPTIMIZERS[name].spec["betas"].labels
    assert at.slider(key=f"e{new}_betas_0").label == labels[0]
    assert at.select_slider(key=f"e{new}_betas_1").label == labels[1]
    if name == "lion":  # Lion has no second moment: its β2 decays the momentum
        assert "second moment" not in labels[1] and "momentum" in labels[1]


def test_out_of_range_inputs_say_what_happened():
    at = _app()
    at.number_input(key="steps").set_value(12_000).run()
    assert at.session_state["steps"] == 10_000
    assert any("12,000" in t.value for t in at.toast)
    at = _app()
    at.number_input(key="x0").set_value(100.0).run()
    assert at.session_state["x0"] == 2.0  # Rosenbrock's map ends at x = 2
    assert any("off the map" in t.value for t in at.toast)
    at = _app({"opt": "adam;lr=1e5"})
    assert any("100000" in t.value and "kept" in t.value for t in at.toast)
    assert _qp(at, "opt") == ["adam;lr=100000"]
    at = _app({"opt": "adam;lr=1e9"})  # beyond what the app accepts: at its bound, said so
    assert _link_warned(at)
    assert _qp(at, "opt") == ["adam;lr=1000000"]


# ---- a claim belongs to its scene


def _claim_stale(at: AppTest) -> bool:
    return any("no longer that race" in e.label for e in at.expander)


def test_a_preset_claim_leaves_once_its_race_is_changed():
    at = _app()
    at.selectbox(key="preset").set_value("01-momentum-ravine").run()
    assert _qp(at, "preset") == ["01-momentum-ravine"] and not _claim_stale(at)
    mom = _entry_ids(at)[1]
    _open(at, mom)
    at.slider(key=f"e{mom}_momentum").set_value(0.9).run()
    assert _claim_stale(at)
    assert _qp(at, "preset") == []  # whoever opens the link does not see the old claim
    from ui.state import current_scene  # noqa: F401 - the page's own reading

    assert not any(e.label.startswith(":blue[") for e in at.expander)
    next(b for b in at.button if b.label == "Back to the preset's race").click().run()
    assert not _claim_stale(at) and _qp(at, "preset") == ["01-momentum-ravine"]


def test_a_preset_link_to_a_changed_race_does_not_claim_it():
    at = _app()
    at.selectbox(key="preset").set_value("07-saddle").run()
    shared = {k: _qp(at, k) for k in at.query_params}
    shared["steps"] = ["37"]
    again = _app(shared)
    assert _claim_stale(again)


def test_derived_labels_follow_the_settings_and_typed_ones_stay():
    at = _app()
    at.selectbox(key="preset").set_value("02-momentum-overshoot").run()
    assert list(_metrics(at).index) == ["SGD", "Momentum (μ 0.9)", "Momentum (μ 0.97)"]
    heavy = _entry_ids(at)[2]
    _open(at, heavy)
    at.slider(key=f"e{heavy}_momentum").set_value(0.95).run()
    assert list(_metrics(at).index)[2] == "Momentum (μ 0.95)"
    at.text_input(key=f"e{heavy}_label").input("heavy ball").run()
    at.slider(key=f"e{heavy}_momentum").set_value(0.96).run()
    assert list(_metrics(at).index)[2] == "heavy ball"


def test_leaving_the_map_downhill_is_not_called_divergence():
    at = _app()
    at.selectbox(key="preset").set_value("07-saddle").run()
    assert not at.error  # no red "diverged … try a smaller learning rate"
    assert any("left the map at step" in i.value for i in at.info)
    assert _metrics(at).loc["Momentum", "status"].startswith("left the map at step")


def test_a_preset_name_alone_opens_the_preset():
    at = _app({"preset": "01-momentum-ravine"})
    assert at.session_state["surface"] == "ravine"
    assert _claim_shown(at, load_presets()["01-momentum-ravine"].claim) and not _claim_stale(at)
    at = _app({"preset": "../../nowhere"})
    labels = [e.label for e in at.expander]
    assert any("1 setting in the link could not be used as written" in x
               for x in labels), labels


def test_changing_only_the_export_format_does_not_claim_the_scene_changed():
    from tests.browser import require_chromium

    require_chromium()  # static export renders in Chromium
    at = _app()
    at.session_state["tab"] = "Share & export"
    at.run()
    at.selectbox(key="export_format").set_value("svg").run()
    next(b for b in at.button if b.label == "Create file").click().run()
    assert any(d.label.startswith("Download") for d in at.get("download_button"))
    at.selectbox(key="export_format").set_value("pdf").run()
    assert not any("changed" in c.value for c in at.caption)
    at.number_input(key="steps").set_value(300).run()  # the scene itself changed: say so
    assert any("The scene changed since the last file" in c.value for c in at.caption)


def test_folded_sections_sum_up_their_settings_and_keep_them():
    at = _app({"noise": "0.5", "sparsity": "0.9,0", "sched": "warmup_linear;warmup=40",
               "test": "0.2,0.1"})
    labels = [e.label for e in at.expander]
    assert "Learning-rate schedule · linear warmup, linear decay" in labels
    assert "Stochastic gradients · σ 0.5, sparsity x 0.9, y 0" in labels
    assert "Test surface · shifted by (0.2, 0.1)" in labels
    assert not any(w.key == "noise" for w in at.number_input)  # folded: not drawn
    at.number_input(key="steps").set_value(300).run()  # reruns while folded keep everything
    assert any("warmup=40" in v for v in _qp(at, "sched"))
    assert _qp(at, "noise") == ["0.5"] and _qp(at, "sparsity") == ["0.9,0"]
    _sections(at, "noise", "sched")
    assert at.number_input(key="noise").value == 0.5
    assert at.number_input(key="sched_warmup_linear_warmup").value == 40
    assert "Stochastic gradients" in [e.label for e in at.expander]


def test_a_links_unreadable_formula_stays_in_the_field_with_its_error():
    at = _app({"f": "x^2 + z*("})
    assert at.session_state["surface"] == "formula"
    assert at.text_input(key="formula_text").value == "x^2 + z*("  # kept, to be fixed
    assert any("column 9" in e.value for e in at.error)
    assert _link_warned(at)
    at.text_input(key="formula_text").set_value("x^2 + y*(1)").run()  # fixed: it races
    assert not at.exception and not at.error
    assert _qp(at, "f") == ["x^2 + y*(1)"]


def test_results_say_which_runs_left_or_are_off_the_drawn_map():
    at = _app({"preset": "07-saddle"})
    infos = [i.value for i in at.info]
    from scene.race import simulate

    mom = next(r.traj for r in simulate(load_presets()["07-saddle"]).racers
               if r.optimizer == "momentum")
    assert any(v.startswith("**Momentum** left the map at step "
                            f"{mom.off_map_at}, still going downhill") for v in infos), infos
    assert any(v.startswith("**SGD** is off the map from step ") for v in infos), infos


def test_newton_preset_reads_out_its_hessian_and_says_it_is_not_pytorch():
    at = _app()
    at.selectbox(key="preset").set_value("20-newton-saddle").run()
    assert not at.exception
    at.number_input(key="inspect_step").set_value(2).run()
    table = _table(at, "quantity")
    assert {"eigenvalues", "hessian_diag", "singular", "flipped"} <= set(table.index)
    assert table.loc["singular", "Newton"] == "0"  # one number, not a pair
    assert table.loc["flipped", "Newton (LM)"] in ("0", "1")
    assert table.loc["eigenvalues", "Newton"].startswith("(")
    caption = next(c.value for c in at.caption if c.value.startswith("Update 2 moves"))
    from optimizers import newton

    assert f"**hessian_diag** {newton.STATE_TEXT['hessian_diag']}" in caption
    _tab(at, "Update rules")
    assert any("H_t^{-1}" in e.value for e in at.latex)
    assert any("|H_t| + 0.01" in e.value for e in at.latex)
    assert any("Newton and Newton (LM) are not in PyTorch" in c.value for c in at.caption)
