"""CSV datasets (RELIABILITY 13-15): what is accepted, and every refusal's line and column."""

import os

import numpy as np
import pytest

import nncore.datasets
import nncore.files
from nncore import LoadError, load_csv, save_csv
from nncore.datasets import target_range

TUTORIAL = "x1,x2,x3,y\n0,0,1,0\n1,1,1,1\n1,0,1,1\n0,1,1,0\n"


def _write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_header_is_detected_and_targets_are_the_last_column(tmp_path):
    X, Y = load_csv(_write(tmp_path, TUTORIAL))
    assert X.tolist() == [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
    assert Y.tolist() == [[0], [1], [1], [0]]
    assert X.flags.c_contiguous and Y.flags.c_contiguous


def test_no_header(tmp_path):
    X, Y = load_csv(_write(tmp_path, "0.5,-1e-3,1\n.25,+2.5E2,0\n"))
    assert X.tolist() == [[0.5, -0.001], [0.25, 250.0]] and Y.tolist() == [[1], [0]]


@pytest.mark.parametrize("content", [
    "\ufeff" + TUTORIAL,                        # UTF-8 byte-order mark
    TUTORIAL.replace("\n", "\r\n"),             # Windows line endings
    "\n\n" + TUTORIAL.replace("\n", "\n \n"),   # blank lines anywhere
    TUTORIAL.replace(",", " , "),               # spaces around cells
    '"x1","x2","x3","y"\n"0","0","1","0"\n1,1,1,1\n1,0,1,1\n0,1,1,0',  # quoted, no final newline
])
def test_harmless_variations_load_the_same(tmp_path, content):
    X, Y = load_csv(_write(tmp_path, content))
    assert X.tolist() == [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
    assert Y.ravel().tolist() == [0, 1, 1, 0]


def test_several_outputs(tmp_path):
    X, Y = load_csv(_write(tmp_path, "a,b,y1,y2\n1,2,0,1\n3,4,1,0\n"), n_out=2)
    assert X.tolist() == [[1, 2], [3, 4]] and Y.tolist() == [[0, 1], [1, 0]]


def test_a_single_row_is_a_dataset(tmp_path):
    X, Y = load_csv(_write(tmp_path, "x1,x2,y\n1,0,1\n"))
    assert X.shape == (1, 2) and Y.shape == (1, 1)


# Each case: file content, what the error must say (line/column are the file's own,
# counting the header and blank lines).
BAD = [
    ("ragged", TUTORIAL + "1,1\n", "line 6: 2 cells, expected 4 like line 1: '1,1'"),
    ("too-many-cells", "0,0,1,0\n\n1,1,1,1,1\n", "line 3: 5 cells, expected 4 like line 1"),
    ("word", TUTORIAL.replace("1,0,1,1", "1,zero,1,1"),
     "line 4, column 2: not a number: 'zero'"),
    ("blank-cell", TUTORIAL.replace("1,0,1,1", "1,,1,1"), "line 4, column 2: blank cell: ''"),
    ("trailing-comma", "1,0,\n", "line 1, column 3: blank cell"),
    ("nan", TUTORIAL.replace("0,1,1,0", "0,nan,1,0"),
     "line 5, column 2: not a finite number: 'nan'"),
    ("inf", TUTORIAL.replace("0,0,1,0", "0,0,1,-inf"),
     "line 2, column 4: not a finite number: '-inf'"),
    ("1e400", TUTORIAL.replace("1,1,1,1", "1e400,1,1,1"),
     "line 3, column 1: number too large: '1e400'"),
    ("underscore", "1_0,1,0\n", "line 1, column 1: not a number: '1_0'"),
    ("arabic-digit", "\u0661,1,0\n", "line 1, column 1: not a number"),
    ("header-only", "x1,x2,y\n", "has a header but no data rows"),
    ("empty", "", "has no data rows"),
    ("only-blank-lines", "\n \r\n\n", "has no data rows"),
    ("single-column", "y\n0\n1\n", "line 1: 1 column(s): need at least one input column"),
    ("mixed-header", "x1,2,y\n0,1,0\n", "line 1, column 1: not a number: 'x1' (a header row must"),
    ("crlf-line-numbers", "x,y\r\n1,0\r\n\r\n2,a\r\n", "line 4, column 2: not a number: 'a'"),
    ("utf-16", TUTORIAL.encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
    ("utf-16-without-bom", TUTORIAL.encode("utf-16-le"), "line 1: contains NUL bytes"),
    ("nul-on-line-3", "x,y\n1,0\n1\x00,0\n", "line 3: contains NUL bytes"),
    ("latin-1", "x,y\n1,0\n\xe9,1\n".encode("latin-1"), "line 3: not UTF-8 text (byte 0xe9)"),
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(40), "is a PNG image"),
]


@pytest.mark.parametrize("content, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_csv_names_line_column_and_text(tmp_path, content, message):
    path = _write(tmp_path, content)
    with pytest.raises(LoadError) as info:
        load_csv(path)
    assert str(info.value).startswith(path + ": ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("activation, bad, message", [
    ("sigmoid", "2", "line 3, column 4: target '2' is outside the output's range [0, 1]"),
    ("sigmoid", "-0.5", "target '-0.5' is outside the output's range [0, 1]"),
    ("tanh", "-1.5", "target '-1.5' is outside the output's range [-1, 1]"),
    ("relu", "-1", "target '-1' is outside the output's range [0, inf]"),
])
def test_targets_outside_the_output_range(tmp_path, activation, bad, message):
    path = _write(tmp_path, TUTORIAL.replace("1,1,1,1", f"1,1,1,{bad}"))
    with pytest.raises(LoadError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_csv(path, output_range=target_range(activation))
    # the same file is fine for an output that can produce the value
    assert load_csv(path, output_range=target_range("linear"))[1][1, 0] == float(bad)


def test_inputs_are_not_range_checked(tmp_path):
    X, _ = load_csv(_write(tmp_path, "5,-3,1\n"), output_range=(0.0, 1.0))
    assert X.tolist() == [[5, -3]]


def test_row_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(nncore.datasets, "CSV_ROW_CAP", 3)
    assert load_csv(_write(tmp_path, "1,0\n" * 3))[0].shape == (3, 1)
    with pytest.raises(LoadError, match="line 5: more than 3 data rows"):
        load_csv(_write(tmp_path, "x,y\n" + "1,0\n" * 4))


def test_real_row_cap_is_100000(tmp_path):
    path = _write(tmp_path, "1,0\n" * 100_001)
    with pytest.raises(LoadError, match="line 100001: more than 100000 data rows"):
        load_csv(path)


def test_column_cap(tmp_path):
    with pytest.raises(LoadError, match="line 1: 1001 columns, over the 1000 limit"):
        load_csv(_write(tmp_path, ",".join(["1"] * 1001) + "\n"))


def test_missing_file_and_bad_n_out(tmp_path):
    with pytest.raises(LoadError, match="nope.csv: no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="n_out"):
        load_csv(_write(tmp_path, TUTORIAL), n_out=0)
    with pytest.raises(LoadError, match="need at least one input column and 4 target"):
        load_csv(_write(tmp_path, TUTORIAL), n_out=4)


def test_save_csv_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) * 10.0 ** rng.integers(-20, 20, (50, 3))
    X[0] = [0.0, 1.0, -2.0]
    Y = rng.integers(0, 2, (50, 2)).astype(float)
    path = tmp_path / "out dir ü.csv"
    save_csv(path, X, Y)
    assert path.read_text().splitlines()[:2] == ["x1,x2,x3,y1,y2", f"0,1,-2,{Y[0, 0]:.0f},"
                                                 f"{Y[0, 1]:.0f}"]
    X2, Y2 = load_csv(path, n_out=2)
    assert np.array_equal(X2, X) and np.array_equal(Y2, Y)
    save_csv(path, X, Y[:, :1], header=False)
    assert np.array_equal(load_csv(path)[0], X)
    assert os.listdir(tmp_path) == [path.name]


def test_save_csv_refuses_what_it_could_not_load(tmp_path):
    with pytest.raises(ValueError, match="NaN or infinite"):
        save_csv(tmp_path / "x.csv", [[np.nan, 1.0]], [[1.0]])
    with pytest.raises(ValueError, match="do not pair up"):
        save_csv(tmp_path / "x.csv", [[1.0, 1.0]], [[1.0], [0.0]])
    assert os.listdir(tmp_path) == []
