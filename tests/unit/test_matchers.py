from __future__ import annotations

import pytest

from callalert.analysis.alertmanager.matchers import (
    Matcher,
    MatcherError,
    matchers_from_legacy,
    matchers_str,
    parse_matcher,
    parse_matchers,
    validate_regex,
)
from callalert.analysis.labels import is_valid_label_name

# ------------------------------------------------------------------ parse_matcher


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", Matcher("a", "=", "b")),
        ("a!=b", Matcher("a", "!=", "b")),
        ("a=~b.*", Matcher("a", "=~", "b.*")),
        ("a!~b|c", Matcher("a", "!~", "b|c")),
        ('  a  =  "b"  ', Matcher("a", "=", "b")),
        (" a  =  b ", Matcher("a", "=", "b")),
        ('a="x y"', Matcher("a", "=", "x y")),
        ("a=x y", Matcher("a", "=", "x y")),
        ("a=", Matcher("a", "=", "")),
        ('a=""', Matcher("a", "=", "")),
        ('a="  "', Matcher("a", "=", "  ")),
        ('a="x\\"y"', Matcher("a", "=", 'x"y')),
        ('a="x\\\\y"', Matcher("a", "=", "x\\y")),
        ('a="x\\ny"', Matcher("a", "=", "x\ny")),
        ('a="x\\ty"', Matcher("a", "=", "x\\ty")),  # a spurious escape keeps its backslash
        ("a=x\\", Matcher("a", "=", "x\\")),  # a trailing backslash is literal
        ("a=\\", Matcher("a", "=", "\\")),
        ("_a:b:c=1", Matcher("_a:b:c", "=", "1")),  # the classic parser allows ':' in names
        ("a=é", Matcher("a", "=", "é")),
        ('a="a,b"', Matcher("a", "=", "a,b")),
        ("a==b", Matcher("a", "=", "=b")),
        ("a=~~", Matcher("a", "=~", "~")),
    ],
)
def test_parse_matcher(text: str, expected: Matcher) -> None:
    assert parse_matcher(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "bad matcher format: foo"),
        ("1a=1", "bad matcher format: 1a=1"),
        ("{a=x}", "bad matcher format: {a=x}"),
        ("a b=1", "bad matcher format: a b=1"),
        ("", "bad matcher format: "),
        ('a="', 'matcher value contains unescaped double quote: "'),
        ('a="x\\', 'matcher value contains unescaped double quote: "x\\'),
        ('a=b"', 'matcher value contains unescaped double quote: b"'),
        ('a="x"y"', 'matcher value contains unescaped double quote: "x"y"'),
        ('a=x"y', 'matcher value contains unescaped double quote: x"y'),
        ("a=~(", "error parsing regexp: missing closing ): `^(?:()$`"),
    ],
)
def test_parse_matcher_errors(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as err:
        parse_matcher(text)
    assert str(err.value) == message


def test_matcher_error_is_a_value_error() -> None:
    assert issubclass(MatcherError, ValueError)


# ------------------------------------------------------------------ parse_matchers


def test_parse_matchers_braced_and_unbraced_are_the_same() -> None:
    expected = [Matcher("a", "=", "b"), Matcher("c", "=~", "d")]
    assert parse_matchers('{a="b", c=~"d"}') == expected
    assert parse_matchers('a="b", c=~"d"') == expected
    assert parse_matchers("a=b,c=~d") == expected


def test_parse_matchers_commas_inside_quotes_do_not_split() -> None:
    assert parse_matchers('{quote="She said: \\"Hi, ladies!\\"", x=1}') == [
        Matcher("quote", "=", 'She said: "Hi, ladies!"'),
        Matcher("x", "=", "1"),
    ]


def test_parse_matchers_trailing_comma_and_empty() -> None:
    assert parse_matchers('{foo = "bar", dings != "bums", }') == [
        Matcher("foo", "=", "bar"),
        Matcher("dings", "!=", "bums"),
    ]
    assert parse_matchers("{}") == []
    assert parse_matchers("") == []


def test_parse_matchers_empty_middle_token_is_an_error() -> None:
    with pytest.raises(MatcherError) as err:
        parse_matchers("a=b,,c=d")
    assert str(err.value) == "bad matcher format: "


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize(
    ("matcher", "labels", "expected"),
    [
        (Matcher("a", "=", "x"), {"a": "x"}, True),
        (Matcher("a", "=", "x"), {"a": "xy"}, False),
        (Matcher("a", "=", "x"), {}, False),
        (Matcher("a", "=", ""), {}, True),  # absent label == empty string
        (Matcher("a", "=", ""), {"a": ""}, True),
        (Matcher("a", "!=", "x"), {}, True),
        (Matcher("a", "!=", "x"), {"a": "x"}, False),
        (Matcher("a", "!=", ""), {}, False),
        (Matcher("a", "=~", "x|y"), {"a": "y"}, True),
        (Matcher("a", "=~", "x|y"), {"a": "xy"}, False),  # fully anchored: ^(?:x|y)$
        (Matcher("a", "=~", "b.+"), {"a": "b"}, False),
        (Matcher("a", "=~", "b.+"), {"a": "bb"}, True),
        (Matcher("a", "=~", ".*"), {}, True),
        (Matcher("a", "=~", ".+"), {}, False),
        (Matcher("a", "!~", ".+"), {}, True),
        (Matcher("a", "!~", "x|y"), {"a": "x"}, False),
        (Matcher("a", "!~", "x|y"), {"a": "xx"}, True),
        # RE2, not Python re: \d is ASCII only, $ is end of text (not before a final \n), . skips \n
        (Matcher("a", "=~", "\\d"), {"a": "\u0663"}, False),
        (Matcher("a", "=~", "\\w+"), {"a": "é"}, False),
        (Matcher("a", "=~", "x$"), {"a": "x\n"}, False),
        (Matcher("a", "=~", "x.y"), {"a": "x\ny"}, False),
        (Matcher("a", "=~", "(?s)x.y"), {"a": "x\ny"}, True),
        (Matcher("a", "=~", "(?i)ABC"), {"a": "abc"}, True),
        (Matcher("a", "=~", "\\Qa.b\\E"), {"a": "a.b"}, True),
        (Matcher("a", "=~", "\\Qa.b\\E"), {"a": "axb"}, False),
        (Matcher("a", "=~", "(?P<n>x)"), {"a": "x"}, True),
        # the pattern is spliced into ^(?:...)$ as text, as Alertmanager does
        (Matcher("a", "=~", "x)|(y"), {"a": "xzzz"}, True),
    ],
)
def test_matches(matcher: Matcher, labels: dict[str, str], expected: bool) -> None:
    assert matcher.matches(labels) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(?!x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
        ("(?<=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
        ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
        ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
        ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("(?<n>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),  # Go < 1.22
        ("\\C", "error parsing regexp: invalid escape sequence: `\\C`"),  # C++ RE2 only
        ("[\\C]", "error parsing regexp: invalid escape sequence: `\\C`"),
        ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
        ("(?x) a", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"),
        ("\\e", "error parsing regexp: invalid escape sequence: `\\e`"),
    ],
)
def test_validate_regex_rejects_what_go_rejects(pattern: str, message: str) -> None:
    assert validate_regex(pattern) == message
    with pytest.raises(MatcherError) as err:
        Matcher("a", "=~", pattern)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "pattern",
    [
        "a|b",
        "\\z",
        "\\Qa.b\\E",
        "(?P<n>a)",
        "\\pN",
        "[[:alpha:]]",
        "(?U)a+",
        "a{1000}",
        "\\x{41}",
        "[\\d-z]",
        "\\Q(?<n>\\E",
        "[(?<]",
        "[]a]",
        "\\\\C",
    ],
)
def test_validate_regex_accepts_what_go_accepts(pattern: str) -> None:
    assert validate_regex(pattern) is None


def test_equality_operators_do_not_compile_regexes() -> None:
    assert Matcher("a", "=", "(").matches({"a": "("})


def test_unknown_operator() -> None:
    with pytest.raises(MatcherError) as err:
        Matcher("a", "==", "b")  # type: ignore[arg-type]
    assert str(err.value) == "unknown match operator '==' (want one of =, !=, =~, !~)"


# ------------------------------------------------------------------ canonical text


@pytest.mark.parametrize(
    ("matcher", "text"),
    [
        (Matcher("a", "=", "b"), 'a="b"'),
        (Matcher("a", "!~", "x|y"), 'a!~"x|y"'),
        (Matcher("a", "=", 'x"y\\z\nw'), 'a="x\\"y\\\\z\\nw"'),  # as amtool's route tree prints it
        (Matcher("a", "=", "tab\there"), 'a="tab\there"'),
    ],
)
def test_str(matcher: Matcher, text: str) -> None:
    assert str(matcher) == text
    assert parse_matcher(text) == matcher  # round trip


def test_matchers_str() -> None:
    assert matchers_str([Matcher("a", "=", "1"), Matcher("b", "=~", "a|b")]) == '{a="1",b=~"a|b"}'


# ------------------------------------------------------------------ legacy and names


def test_matchers_from_legacy() -> None:
    assert matchers_from_legacy({"service": "db", "test": 2, "flag": True}, {"env": "prod|stag"}) == [
        Matcher("service", "=", "db"),
        Matcher("test", "=", "2"),
        Matcher("flag", "=", "true"),
        Matcher("env", "=~", "prod|stag"),
    ]
    assert matchers_from_legacy(None, None) == []


def test_matchers_from_legacy_errors() -> None:
    with pytest.raises(MatcherError) as err:
        matchers_from_legacy({"a:b": "x"}, {})
    assert str(err.value) == '"a:b" is not a valid label name'
    with pytest.raises(MatcherError) as err:
        matchers_from_legacy({}, {"a": "(?=x)"})
    assert str(err.value) == "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"


@pytest.mark.parametrize(
    ("name", "valid"),
    [("a", True), ("_a9", True), ("A_b", True), ("9a", False), ("a:b", False), ("a-b", False), ("", False), ("é", False)],
)
def test_is_valid_label_name(name: str, valid: bool) -> None:
    assert is_valid_label_name(name) is valid


@pytest.mark.parametrize(
    ("pattern", "message"),
    [  # each message as amtool 0.25 check-config prints it
        ("(", "error parsing regexp: missing closing ): `^(?:()$`"),
        (")", "error parsing regexp: unexpected ): `^(?:))$`"),
        ("[a", "error parsing regexp: missing closing ]: `[a)$`"),
        ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("x{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`"),
        ("(?P<>a)", "error parsing regexp: invalid named capture: `(?P<>`"),
        ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
        ("\\pX", "error parsing regexp: invalid character class range: `\\pX`"),
    ],
)
def test_validate_regex_messages_match_go(pattern: str, message: str) -> None:
    assert validate_regex(pattern) == message


def test_duplicate_group_names_are_accepted_as_by_go_1_19() -> None:
    assert validate_regex("(?P<n>a)(?P<n>b)") is None


@pytest.mark.parametrize(
    ("name", "classic", "utf8"),
    [
        ("job", True, True),
        ("_x9", True, True),
        ("9x", False, True),
        ("service.name", False, True),
        ("ü", False, True),
        ("job\n", False, True),  # `^…$` with re.match took a trailing newline for classic
        ("", False, False),
        ("a\ud800", False, False),
        ("x\udfffy", False, False),  # a lone surrogate anywhere: not UTF-8
        ("\ud7ff\ue000", False, True),  # the code points either side of the surrogates are
    ],
)
def test_one_definition_of_a_label_name(name: str, classic: bool, utf8: bool) -> None:
    assert (is_valid_label_name(name), is_valid_label_name(name, utf8=True)) == (classic, utf8)
