package notebook

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadWriteKeepsNbformat(t *testing.T) {
	src := `{"cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
 {"cell_type": "code", "execution_count": null, "metadata": {"tags": ["raises-exception"]}, "outputs": [], "source": "6*7"}
], "metadata": {"kernelspec": {"name": "gocurrent"}}, "nbformat": 4, "nbformat_minor": 5}`
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ipynb")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	nb, err := Read(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(nb.Cells[0].Source) != "# Title\ntext" || !hasTag(nb.Cells[1], "raises-exception") {
		t.Fatalf("read %+v", nb.Cells)
	}
	count := 3
	nb.Cells[1].ExecutionCount = &count
	nb.Cells[1].Outputs = []Output{{"output_type": "stream", "name": "stdout", "text": "hi\n"}}
	out := filepath.Join(dir, "out.ipynb")
	if err := Write(out, nb); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var raw struct {
		Cells []map[string]any `json:"cells"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	md, code := raw.Cells[0], raw.Cells[1]
	if _, ok := md["outputs"]; ok {
		t.Error("markdown cell has outputs")
	}
	if code["execution_count"] != 3.0 || len(code["outputs"].([]any)) != 1 {
		t.Errorf("code cell = %v", code)
	}
	if !strings.Contains(string(b), `"source": [`) {
		t.Error("source not written as a list of lines")
	}
}

func TestReadRejectsOldFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "old.ipynb")
	_ = os.WriteFile(p, []byte(`{"nbformat": 3, "cells": []}`), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "nbformat 3") {
		t.Errorf("Read = %v", err)
	}
}

// TestPrintDataShowsAChartsTable: a chart's display data prints as its
// text table, never as its SVG, base64 PNG or HTML.
func TestPrintDataShowsAChartsTable(t *testing.T) {
	var b strings.Builder
	printData(&b, map[string]any{
		"image/svg+xml": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
		"image/png":     "iVBORw0KGgo=",
		"text/html":     `<img src="data:image/png;base64,iVBORw0KGgo=" width="640" height="217" alt="compare" title="table">`,
		"text/plain":    "variant  median wall\na        1 ms\n",
	})
	if got := b.String(); got != "variant  median wall\na        1 ms\n\n" {
		t.Errorf("printed %q", got)
	}
}

func TestAFailedCellsLiveStatusEndsAsItsTimingLine(t *testing.T) {
	var term strings.Builder
	r := &run{ids: map[string][]int{}, term: &term}
	live := func(msgType, text, state string) map[string]any {
		return map[string]any{
			"data":      map[string]any{"text/plain": text},
			"metadata":  map[string]any{"gocurrent": map[string]any{"live": state}},
			"transient": map[string]any{"display_id": "gocurrent-live-1"},
		}
	}
	r.add("stream", map[string]any{"name": "stdout", "text": "working\n"})
	r.add("display_data", live("display_data", "running 0.5 s", "running"))
	r.add("update_display_data", live("update_display_data", "running 0.8 s", "running"))
	r.add("update_display_data", live("update_display_data", "» wall 900 ms · CPU 1 ms", "ended"))
	r.add("error", map[string]any{"ename": "panic", "evalue": "late", "traceback": []any{"panic: late"}})
	var kinds []string
	for _, o := range r.outputs {
		kinds = append(kinds, o["output_type"].(string))
	}
	if fmt.Sprint(kinds) != "[stream display_data error]" {
		t.Fatalf("outputs %v", r.outputs)
	}
	if got := r.outputs[1]["data"].(map[string]any)["text/plain"]; got != "» wall 900 ms · CPU 1 ms" {
		t.Errorf("the timing display holds %q", got)
	}
	if out := term.String(); !strings.Contains(out, "working\n» wall 900 ms · CPU 1 ms\npanic: late\n") || strings.Contains(out, "running") {
		t.Errorf("terminal:\n%q", out)
	}
}
