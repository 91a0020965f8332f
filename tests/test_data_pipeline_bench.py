"""Smoke test of benchmarks/data_pipeline.py (Tessera part, tiny size)."""
import json

import numpy as np

from benchmarks import data_pipeline as dp


def test_pipeline_matches_shapes_and_augment_is_a_flip_plus_jitter():
    import tessera as ts
    x, y = dp.make_data(300)
    ds = dp.make_pipeline(ts, x, y, batch_size=128, augment=True)
    batches = list(ds)
    assert [int(b[0].shape[0]) for b in batches] == [128, 128, 44]
    xb = np.concatenate([np.asarray(b[0]) for b in batches])
    yb = np.concatenate([np.asarray(b[1]) for b in batches])
    assert xb.shape == (300, 28, 28) and xb.dtype == np.float32
    assert sorted(yb.tolist()) == sorted(y.tolist())  # shuffled, nothing lost
    assert xb.min() >= 0.0 and xb.max() <= 1.0
    # every output image is its source image (maybe flipped) shifted by one constant
    # within [-0.1, 0.1], clipped to [0, 1]
    matched = 0
    for img in xb[:20]:
        for cand in (x, x[:, :, ::-1]):
            d = img[None] - cand
            inside = (img > 0) & (img < 1)
            span = np.where(inside[None], d, np.nan)
            ok = np.nanmax(span, axis=(1, 2)) - np.nanmin(span, axis=(1, 2)) < 1e-5
            if ok.any():
                shift = np.nanmean(span[ok.argmax()])
                assert abs(shift) <= 0.1 + 1e-6
                matched += 1
                break
    assert matched == 20


def test_run_tessera_tiny_reports_every_figure():
    res = dp.run("tessera", n=512, batch_size=128, repeats=1, fit=True)
    for key in ("batches_per_s_augment", "batches_per_s_plain", "fit_arrays_s",
                "fit_dataset_plain_s", "fit_dataset_augment_s", "ratio_plain",
                "ratio_augment"):
        assert res[key] > 0, key
    assert res["ratio_plain"] == res["fit_dataset_plain_s"] / res["fit_arrays_s"]
    text = dp.table([res])
    assert "batches/s, shuffle+map+batch+prefetch" in text and "tessera" in text


def test_main_prints_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert dp.main(["--n", "256", "--repeats", "1", "--no-fit", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "batches/s, shuffle+batch+prefetch" in text
    assert "fit 1 epoch" not in text
    data = json.loads(out.read_text())
    assert data[0]["framework"] == "tessera" and data[0]["n"] == 256
