"""jupyter_kernel_test's conformance suite against the installed gocurrent
kernelspec, with every one of its tests enabled.

jupyter_kernel_test is unittest-based; pytest runs it. The session fixture
in conftest.py builds the kernel and sets JUPYTER_PATH before setUpClass
starts the kernel.

The kernel publishes its timing line as stdout after each successful cell
(a stream of its own, or the end of the cell's last stdout stream); that is
intended and the suite's checks allow it. For an error cell the timing goes
into the traceback, so the cell has exactly one output (test_error checks
that).
"""

import unittest



def _base():
    """jupyter_kernel_test.KernelTests, or a TestCase that fails (never
    skips) when it is missing. Not bound at module level: pytest would
    collect the base class itself and run it against the python3 kernel."""
    try:
        import jupyter_kernel_test
    except ImportError as exc:
        error = exc

        class Missing(unittest.TestCase):
            def test_jupyter_kernel_test_is_installed(self):
                self.fail(
                    f"missing dependency: jupyter_kernel_test ({error}); install the Debian "
                    "package python3-jupyter-kernel-test and run with /usr/bin/python3"
                )

        return Missing
    return jupyter_kernel_test.KernelTests


class GoCurrentKernelTests(_base()):
    kernel_name = "gocurrent"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "error")'

    completion_samples = [
        {"text": "strings.ToLow", "matches": {"ToLower", "ToLowerSpecial"}},
        {"text": "fmt.Pri", "matches": {"Print", "Printf", "Println"}},
        {"text": "sync.WaitG", "matches": {"WaitGroup"}},
        {"text": "time.Millis", "matches": {"Millisecond"}},
    ]

    complete_code_samples = [
        "x := 1",
        'fmt.Println("hi")',
        "func f() int {\n\treturn 1\n}",
        "type point struct{ x, y int }",
        "for i := 0; i < 3; i++ {\n}",
        "var (\n\ta = 1\n\tb = 2\n)",
    ]
    incomplete_code_samples = [
        "func f() {",
        "for {",
        "if x > 1 {",
        'fmt.Println("a",',
        "type T struct {",
        "x := `raw",
        "/* open comment",
    ]
    invalid_code_samples = [
        "x := )",
        "func ) {",
        "}",
        "x := 1 ++ 2",
    ]

    code_page_something = "?fmt.Println"

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": '"go"+"pher"', "result": '"gopher"'},
        {"code": "1 < 2", "result": "true"},
        {"code": 'strings.Repeat("ab", 3)', "result": '"ababab"'},
        {"code": "len([]int{1, 2, 3})", "result": "3"},
    ]

    code_display_data = [
        {"code": 'display.HTML("<b>hi</b>")', "mime": "text/html"},
        {"code": 'display.Markdown("# hi")', "mime": "text/markdown"},
        {"code": 'display.SVG(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>`)', "mime": "image/svg+xml"},
        {"code": 'display.LaTeX(`$x^2$`)', "mime": "text/latex"},
        {"code": 'display.JSON(map[string]int{"a": 1})', "mime": "application/json"},
    ]

    # A glob, as in IPython's history search ("*" is a wildcard): of all
    # the cells the tests run, only "6*7" starts with 6 and ends with 7.
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "strings.ToUpper"

    code_clear_output = "display.Clear()"


if __name__ == "__main__":
    unittest.main()
