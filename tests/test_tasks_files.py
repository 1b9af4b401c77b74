"""hf_dataset on real local files: JSONL, CSV, parquet, save_to_disk folders; column mapping; bad data."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from distillkit.errors import DataError

MC_ROWS = [
    {"id": f"q{i}", "question": f"Question {i}?", "choices": {"text": ["red", "green", "blue"], "label": ["A", "B", "C"]},
     "answerKey": "ABC"[i % 3], "why": f"because {i}"}
    for i in range(30)
]
MC_COLUMNS = {"question": "question", "choices": "choices.text", "choice_labels": "choices.label",
              "answer": "answerKey", "rationale": "why", "id": "id"}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def make(registry, tmp_path, **options):
    return registry.create("task", "hf_dataset", cache_dir=str(tmp_path / "hf-cache"), **options)


def test_jsonl_single_file_with_nested_columns_is_split_by_seed(registry, tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", MC_ROWS)
    task = make(registry, tmp_path, path=str(path), answer_format="multiple_choice", columns=MC_COLUMNS)
    splits = task.load()
    assert splits.sizes() == {"train": 21, "validation": 3, "test": 6}  # fractions .1 and .2 of 30
    everything = {e.id: e for e in splits.train + splits.validation + splits.test}
    assert len(everything) == 30
    q4 = everything["q4"]  # answerKey "B" -> the choice TEXT
    assert (q4.answer, q4.choices, q4.rationale) == ("green", ("red", "green", "blue"), "because 4")
    again = make(registry, tmp_path, path=str(path), answer_format="multiple_choice", columns=MC_COLUMNS).load()
    assert [e.id for e in again.test] == [e.id for e in splits.test]
    other = make(registry, tmp_path, path=str(path), answer_format="multiple_choice", columns=MC_COLUMNS, seed=1)
    assert [e.id for e in other.load().test] != [e.id for e in splits.test]


def test_folder_of_split_files_keeps_official_splits(registry, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", MC_ROWS[:20])
    write_jsonl(folder / "dev.jsonl", MC_ROWS[20:25])
    write_jsonl(folder / "test.jsonl", MC_ROWS[25:])
    splits = make(registry, tmp_path, path=str(folder), answer_format="multiple_choice", columns=MC_COLUMNS).load()
    assert [e.id for e in splits.validation] == [f"q{i}" for i in range(20, 25)]
    assert [e.id for e in splits.test] == [f"q{i}" for i in range(25, 30)]
    assert len(splits.train) == 20


def test_csv_with_one_column_per_choice_and_letter_answers(registry, tmp_path):
    path = tmp_path / "piqa.csv"
    path.write_text("goal,sol1,sol2,label\nKeep soup warm,cover the pot,open the lid,a\nCool tea,add ice,add heat,A\n"
                    "Dry hair,use a towel,use water,(b)\nWarm hands,rub them,wet them,0\n")
    task = make(registry, tmp_path, path=str(path), answer_format="multiple_choice", validation_fraction=0.0,
                test_fraction=0.0, columns={"question": "goal", "choices": ["sol1", "sol2"], "answer": "label"})
    train = task.load().train
    assert [(e.id, e.answer) for e in train] == [("train-1", "cover the pot"), ("train-2", "add ice"),
                                                 ("train-3", "use water"),
                                                 ("train-4", "rub them")]


def test_parquet_numeric_gsm8k_style_answers(registry, tmp_path):
    import datasets

    rows = [{"question": "Janet has 3 apples and buys 4. How many?",
             "answer": "She has 3 + 4 = <<3+4=7>>7 apples.\n#### 7"},
            {"question": "Big?", "answer": "1,234"}]
    path = tmp_path / "math.parquet"
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    task = make(registry, tmp_path, path=str(path), answer_format="numeric", test_fraction=0, validation_fraction=0)
    first, second = task.load().train
    assert (first.answer, first.rationale) == ("7", "She has 3 + 4 = 7 apples.")
    assert (second.answer, second.rationale) == ("1234", None)
    assert task.answer_format.name == "numeric"


def test_save_to_disk_dataset_dict_and_split_mapping(registry, tmp_path):
    import datasets

    rows = [{"q": f"Is {i} even?", "a": i % 2 == 0, "passage": f"{i} is a number."} for i in range(12)]
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_list(rows[:8]),
                               "holdout": datasets.Dataset.from_list(rows[8:])})
    dd.save_to_disk(str(tmp_path / "saved"))
    task = make(registry, tmp_path, path=str(tmp_path / "saved"), answer_format="yes_no", splits={"test": "holdout"},
                columns={"question": "q", "answer": "a", "context": "passage"}, validation_fraction=0.25)
    splits = task.load()
    assert splits.sizes() == {"train": 6, "validation": 2, "test": 4}
    assert [e.answer for e in splits.test] == ["yes", "no", "yes", "no"]
    assert splits.test[0].context == "8 is a number."
    assert "8 is a number.\nIs 8 even?" == task.student_input(splits.test[0])


def test_free_text_aliases_and_row_caps(registry, tmp_path):
    rows = [{"question": f"Capital {i}?", "answer": [f"City{i}", f"Town{i}"]} for i in range(50)]
    path = write_jsonl(tmp_path / "short.jsonl", rows)
    task = make(registry, tmp_path, path=str(path), answer_format="free_text", max_train_rows=10, max_test_rows=3)
    splits = task.load()
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (10, 5, 3)
    example = splits.train[0]
    assert example.meta["aliases"] == [example.answer.replace("City", "Town")]
    assert task.answer_format.is_correct(example.meta["aliases"][0], example)


# ---- bad data: located errors, or skipped and counted ----

BAD_ROWS = [
    {"question": "Fine?", "choices": ["a", "b", "c"], "answer": "b"},
    {"question": "Which?", "choices": ["a", "b", "c"], "answer": "E"},
    {"question": "   ", "choices": ["x", "y"], "answer": "x"},
    {"question": "Null answer?", "choices": ["x", "y"], "answer": None},
    {"question": "One choice?", "choices": ["only"], "answer": "only"},
]


def bad_task(registry, tmp_path, **options):
    path = write_jsonl(tmp_path / "train.jsonl", BAD_ROWS)
    return make(registry, tmp_path, path=str(path), answer_format="multiple_choice",
                columns={"question": "question", "choices": "choices", "answer": "answer"}, **options)


def test_answer_not_among_choices_names_file_row_field_and_valid_values(registry, tmp_path):
    with pytest.raises(DataError) as info:
        bad_task(registry, tmp_path).load()
    assert str(info.value) == (
        f"{tmp_path / 'train.jsonl'} row 2: field 'answer' = 'E' is not among the choices ['a', 'b', 'c']; "
        "valid: a letter a-c, an index 0-2 or one of the choice texts"
    )


def test_skip_mode_counts_each_reason(registry, tmp_path):
    task = bad_task(registry, tmp_path, on_bad_row="skip", validation_fraction=0, test_fraction=0)
    splits = task.load()
    assert [e.question for e in splits.train] == ["Fine?"]
    assert dict(task.skipped) == {"answer not among the choices": 1, "empty question": 1, "empty answer": 1,
                                  "bad choices": 1}
    assert task.skip_messages[1].endswith("row 3: field 'question' (column 'question') is an empty string")


def test_missing_column_is_reported_before_reading_rows(registry, tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", MC_ROWS)
    columns = {**MC_COLUMNS, "answer": "answer_key"}
    task = make(registry, tmp_path, path=str(path), answer_format="multiple_choice", columns=columns)
    with pytest.raises(DataError, match=r"qa.jsonl: column 'answer_key' for field 'answer' \(columns.answer\) "
                                        r"not found; did you mean 'answerKey'\?"):
        task.load()


def test_invalid_json_line_is_located(registry, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"question": "ok?", "answer": "yes"}\n{"question": "broken?", "answer": \n')
    task = make(registry, tmp_path, path=str(path), answer_format="yes_no")
    with pytest.raises(DataError, match=r"broken.jsonl: line 2, column \d+: not valid JSON"):
        task.load()


def test_bad_yes_no_and_duplicate_ids(registry, tmp_path):
    path = write_jsonl(tmp_path / "yn.jsonl", [{"id": "a", "question": "Q?", "answer": "maybe"}])
    with pytest.raises(DataError, match="row 1: field 'answer' = 'maybe' is not a yes/no answer; valid: yes/no"):
        make(registry, tmp_path, path=str(path), answer_format="yes_no", columns={"id": "id"}).load()
    path = write_jsonl(tmp_path / "dup.jsonl", [{"id": "a", "question": "Q?", "answer": "yes"}] * 2)
    with pytest.raises(DataError, match="dup.jsonl row 2: id 'a' already used by row 1"):
        make(registry, tmp_path, path=str(path), answer_format="yes_no", columns={"id": "id"}).load()


def test_all_rows_bad_is_an_error_even_when_skipping(registry, tmp_path):
    path = write_jsonl(tmp_path / "empty_q.jsonl", [{"question": "", "answer": "yes"}] * 3)
    with pytest.raises(DataError, match="all 3 rows were bad"):
        make(registry, tmp_path, path=str(path), answer_format="yes_no", on_bad_row="skip").load()


def test_data_files_without_path(registry, tmp_path):
    train = write_jsonl(tmp_path / "a.jsonl", [{"question": f"Q{i}?", "answer": "yes"} for i in range(5)])
    test = write_jsonl(tmp_path / "b.jsonl", [{"question": "T?", "answer": "no"}])
    task = make(registry, tmp_path, data_files={"train": str(train), "test": str(test)}, answer_format="yes_no",
                validation_fraction=0.2)
    assert task.load().sizes() == {"train": 4, "validation": 1, "test": 1}


def test_missing_file_and_config_mistakes(registry, tmp_path):
    with pytest.raises(ValidationError, match="give path"):
        make(registry, tmp_path, answer_format="yes_no")
    with pytest.raises(DataError, match="nope.jsonl: file or folder not found"):
        make(registry, tmp_path, path=str(tmp_path / "nope.jsonl"), answer_format="yes_no").load()
    with pytest.raises(ValidationError, match="multiple_choice needs columns.choices"):
        make(registry, tmp_path, path="x.jsonl", answer_format="multiple_choice")
    with pytest.raises(ValidationError, match="leaves nothing for train"):
        make(registry, tmp_path, path="x.jsonl", answer_format="yes_no", validation_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValidationError, match="answer_formt"):
        make(registry, tmp_path, path="x.jsonl", answer_format="yes_no", answer_formt="yes_no")
