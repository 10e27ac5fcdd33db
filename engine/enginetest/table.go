package enginetest

import (
	"fmt"
	"os"
	"strings"
)

// Table renders the suite in dir as a Markdown table, one row per topic and
// one column per backend: "✓" when the backend runs every chunk, the
// skipped chunks with their reasons, or the reason the whole topic is
// skipped (from SKIP). The README shows it between the markers
// tableStart and tableEnd.
func Table(dir string) (string, error) {
	s, err := load(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| topic | chunks |")
	for _, l := range Langs {
		fmt.Fprintf(&b, " %s |", l)
	}
	b.WriteString("\n|---|---:|")
	for range Langs {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, topic := range s.topics {
		n := 0
		for _, l := range Langs {
			if tw := s.twins[topic][l]; tw != nil {
				n = max(n, len(tw.chunks))
			}
		}
		fmt.Fprintf(&b, "| %s | %d |", topic, n)
		for _, l := range Langs {
			fmt.Fprintf(&b, " %s |", s.cell(topic, l))
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

func (s *suite) cell(topic, lang string) string {
	if reason, ok := s.skipped(topic, 0, lang); ok {
		return "skipped: " + escape(reason)
	}
	tw := s.twins[topic][lang]
	if tw == nil {
		return "✗ no twin, no reason in SKIP"
	}
	var skipped []string
	for _, c := range tw.chunks {
		if reason, ok := s.skipped(topic, c.index, lang); ok {
			skipped = append(skipped, fmt.Sprintf("#%d %s: %s", c.index, escape(c.opts.name), escape(reason)))
		}
	}
	if len(skipped) == 0 {
		return "✓"
	}
	return "✓ except " + strings.Join(skipped, "; ")
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// The README markers around the generated table.
const (
	tableStart = "<!-- conformance-table -->"
	tableEnd   = "<!-- /conformance-table -->"
)

// readmeTable returns the text between the markers in the file at path;
// ok is false when the file or the markers are missing.
func readmeTable(path string) (table string, ok bool, err error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	_, rest, found := strings.Cut(string(data), tableStart)
	if !found {
		return "", false, nil
	}
	table, _, found = strings.Cut(rest, tableEnd)
	if !found {
		return "", false, fmt.Errorf("%s: %s without %s", path, tableStart, tableEnd)
	}
	return strings.TrimSpace(table), true, nil
}

// writeReadmeTable replaces the text between the markers in the file at
// path with table.
func writeReadmeTable(path, table string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	before, rest, found := strings.Cut(string(data), tableStart)
	if !found {
		return fmt.Errorf("%s has no %s marker", path, tableStart)
	}
	_, after, found := strings.Cut(rest, tableEnd)
	if !found {
		return fmt.Errorf("%s: %s without %s", path, tableStart, tableEnd)
	}
	out := before + tableStart + "\n" + strings.TrimSpace(table) + "\n" + tableEnd + after
	return os.WriteFile(path, []byte(out), 0o644)
}
