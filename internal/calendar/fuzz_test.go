package calendar

import (
	"testing"
	"time"
)

// FuzzParse: a holiday file of any content is parsed or refused with an error, never a panic,
// and a calendar built from what it accepts answers deadlines.
func FuzzParse(f *testing.F) {
	shipped, err := embedded.ReadFile("holidays/2026.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("2026.yaml", shipped)
	f.Add("2027.yaml", []byte("year: 2027\nholidays:\n  - {name: x, from: 2027-01-01, to: 2027-01-03}\n"))
	f.Add("2027.yaml", []byte("year: 2027\nworkdays:\n  - {name: y, date: 2027-02-30}\n"))
	f.Add("x.yaml", []byte("{{{"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		y, err := Parse(name, data)
		if err != nil {
			return
		}
		c, err := New(y)
		if err != nil {
			return
		}
		start := time.Date(y.Year, 3, 2, 9, 0, 0, 0, Zone)
		if d, _ := c.Deadline(start, 5); !d.After(start) {
			t.Fatalf("a five-day limit from %s ends at %s", start, d)
		}
	})
}
