package calendar_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/calendar"
)

const year2027 = `
year: 2027
source: test data
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
workdays:
  - {name: 春节, date: 2027-02-06}
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	return dir
}

func TestLoadDirectoryAddsYear(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"2027.yaml":  year2027,
		"README.txt": "not a calendar",
	})
	c, err := calendar.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, []int{2026, 2027}, c.KnownYears())

	working, known := c.IsWorkingDay(at(t, "2027-01-01"))
	assert.False(t, working, "2027-01-01 is a holiday in the loaded file")
	assert.True(t, known)
	working, _ = c.IsWorkingDay(at(t, "2027-02-06"))
	assert.True(t, working, "2027-02-06 is a make-up Saturday in the loaded file")

	// Wed 2026-12-30: Thu 31, Mon 2027-01-04, Tue 5, Wed 6, Thu 7.
	got, fallback := c.Deadline(at(t, "2026-12-30 10:00"), 5)
	assert.Equal(t, at(t, "2027-01-08"), got)
	assert.False(t, fallback.Used, fallback.String())

	// Embedded 2026 is still there.
	working, _ = c.IsWorkingDay(at(t, "2026-10-01"))
	assert.False(t, working)
}

func TestLoadDirectoryReplacesEmbeddedYear(t *testing.T) {
	dir := writeFiles(t, map[string]string{"corrected.yaml": `
year: 2026
source: corrected
holidays:
  - {name: 元旦, from: 2026-01-01, to: 2026-01-03}
`})
	c, err := calendar.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, []int{2026}, c.KnownYears())

	working, _ := c.IsWorkingDay(at(t, "2026-01-02"))
	assert.False(t, working, "holiday of the replacing file")
	working, _ = c.IsWorkingDay(at(t, "2026-10-01"))
	assert.True(t, working, "holiday of the embedded file no longer applies")
	working, _ = c.IsWorkingDay(at(t, "2026-01-04"))
	assert.False(t, working, "make-up day of the embedded file no longer applies")

	def := defaultCalendar(t)
	working, _ = def.IsWorkingDay(at(t, "2026-10-01"))
	assert.False(t, working, "Default is not affected by Load")
}

func TestLoadEmptyDirIsEmbeddedOnly(t *testing.T) {
	c, err := calendar.Load("")
	require.NoError(t, err)
	assert.Equal(t, []int{2026}, c.KnownYears())
}

func TestLoadMissingDirFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	_, err := calendar.Load(dir)
	require.ErrorContains(t, err, dir)
}

func TestLoadRejectsInvalidFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error, besides the file name
	}{
		{"bad date", `
year: 2027
holidays:
  - {name: 春节, from: 2027-02-30, to: 2027-02-31}
`, []string{`holiday 1 "春节"`, "2027-02-30"}},
		{"date in wrong year", `
year: 2027
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-01}
  - {name: 国庆节, from: 2027-10-01, to: 2028-10-07}
`, []string{`holiday 2 "国庆节"`, "2028-10-07", "not in year 2027"}},
		{"workday in wrong year", `
year: 2027
workdays:
  - {name: 元旦, date: 2026-12-27}
`, []string{`workday 1 "元旦"`, "2026-12-27"}},
		{"from after to", `
year: 2027
holidays:
  - {name: 劳动节, from: 2027-05-05, to: 2027-05-01}
`, []string{`holiday 1 "劳动节"`, "after"}},
		{"holiday and workday on the same date", `
year: 2027
holidays:
  - {name: 国庆节, from: 2027-10-01, to: 2027-10-07}
workdays:
  - {name: 国庆节, date: 2027-10-07}
`, []string{`workday 1 "国庆节"`, "2027-10-07", `holiday 1 "国庆节"`}},
		{"missing year", `
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-01}
`, []string{"year"}},
		{"unknown field", `
year: 2027
workday:
  - {name: 元旦, date: 2027-01-04}
`, []string{"workday"}},
		{"missing name", `
year: 2027
holidays:
  - {from: 2027-01-01, to: 2027-01-01}
`, []string{"holiday 1", "name"}},
		{"empty file", ``, []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"2027.yaml": tt.content})
			_, err := calendar.Load(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), filepath.Join(dir, "2027.yaml"))
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestLoadRejectsDuplicateYear(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": year2027, "b.yaml": year2027})
	_, err := calendar.Load(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "year 2027")
	assert.Contains(t, err.Error(), filepath.Join(dir, "a.yaml"))
	assert.Contains(t, err.Error(), filepath.Join(dir, "b.yaml"))
}

func TestNewRejectsDuplicateYear(t *testing.T) {
	a, err := calendar.Parse("a.yaml", []byte(year2027))
	require.NoError(t, err)
	b, err := calendar.Parse("b.yaml", []byte(year2027))
	require.NoError(t, err)
	_, err = calendar.New(a, b)
	require.ErrorContains(t, err, "year 2027 is declared by both a.yaml and b.yaml")
}

func TestParseAcceptsQuotedAndUnquotedDates(t *testing.T) {
	y, err := calendar.Parse("quoted.yaml", []byte(`
year: 2027
source: "quoted"
holidays:
  - {name: 元旦, from: "2027-01-01", to: '2027-01-03'}
`))
	require.NoError(t, err)
	assert.Equal(t, 2027, y.Year)
	assert.Equal(t, "quoted", y.Source)
	assert.Equal(t, "quoted.yaml", y.File)

	c, err := calendar.New(y)
	require.NoError(t, err)
	working, known := c.IsWorkingDay(at(t, "2027-01-01"))
	assert.False(t, working)
	assert.True(t, known)
}
