import pytest
import torch

from grader import codec


def test_tensors_round_trip_through_plain_json():
    tensor = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    rebuilt = codec.decode_output(codec.encode(tensor))
    assert rebuilt.dtype == torch.float32 and torch.equal(rebuilt, tensor)


def test_bool_tensors_round_trip_as_a_comparison_returns_them():
    mask = torch.tensor([1.0, -2.0, 0.0]) > 0
    rebuilt = codec.decode_output(codec.encode(mask))
    assert rebuilt.dtype == torch.bool and rebuilt.tolist() == [True, False, False]
    scalar = codec.decode_output(codec.encode(torch.tensor(True)))
    assert scalar.dtype == torch.bool and scalar.shape == () and bool(scalar)


def test_nan_and_infinity_survive_as_markers():
    value = codec.decode_output({"__tensor__": {"dtype": "float64", "shape": [2], "data": [{"__float__": "nan"}, 1.0]}})
    assert torch.isnan(value[0]) and value[1] == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        {"__tensor__": {"dtype": "object", "shape": [1], "data": [1]}},
        {"__tensor__": {"dtype": "float32", "shape": [2, 2], "data": [1, 2, 3]}},
        {"__tensor__": {"dtype": "float32", "shape": [-1], "data": []}},
        {"__tensor__": {"dtype": "float32", "shape": [1], "data": ["1"]}},
        {"__tensor__": {"dtype": "float32", "shape": [1], "data": [True]}},
        {"__tensor__": {"dtype": "bool", "shape": [1], "data": [1]}},
        {"__tensor__": {"dtype": "bool", "shape": [1], "data": ["true"]}},
        {"__tensor__": {"dtype": "float32", "shape": [1], "data": [{"__float__": "1e309"}]}},
        {"__too_large__": {"numel": 10**9}},
        {"__unsupported__": "Payload"},
        {"__reduce__": "os.system"},
        [[[[[[[[[[1]]]]]]]]]],
    ],
)
def test_anything_unexpected_is_refused(bad):
    with pytest.raises(codec.InvalidOutput):
        codec.decode_output(bad)


def test_results_parse_skips_torn_lines():
    raw = b'{"id": 0, "value": 1}\nnot json\n[1, 2]\n{"done": true}\n{"id": 1, "val'
    assert codec.parse_results(raw) == [{"id": 0, "value": 1}, {"done": True}]
