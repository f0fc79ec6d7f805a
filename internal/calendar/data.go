package calendar

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// embedded holds the holiday data shipped with the binary, one file per year.
//
//go:embed holidays/*.yaml
var embedded embed.FS

// YearCalendar is one year's official arrangement of public holidays and make-up workdays, as
// parsed from one data file.
type YearCalendar struct {
	Year   int    // the calendar year the file declares
	Source string // where the arrangement comes from, e.g. the State Council notice
	File   string // the name the data was parsed under, for error messages

	working [6]uint64 // bit i set: day i of the year (0-based) is a working day
}

func (y *YearCalendar) isWorking(yearDay int) bool {
	return y.working[yearDay/64]&(1<<(yearDay%64)) != 0
}

func (y *YearCalendar) set(yearDay int, working bool) {
	if working {
		y.working[yearDay/64] |= 1 << (yearDay % 64)
	} else {
		y.working[yearDay/64] &^= 1 << (yearDay % 64)
	}
}

// yearFile is the YAML shape of a data file.
type yearFile struct {
	Year     int    `yaml:"year"`
	Source   string `yaml:"source"`
	Holidays []struct {
		Name string `yaml:"name"`
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"holidays"`
	Workdays []struct {
		Name string `yaml:"name"`
		Date string `yaml:"date"`
	} `yaml:"workdays"`
}

// Parse reads one year's data file; name identifies the file in error messages. The file
// declares its year, its source, the holidays (inclusive from–to ranges of days off) and the
// make-up workdays. Every date must be a valid YYYY-MM-DD in the declared year, every range must
// have from <= to, and no date may be both a holiday and a make-up workday.
func Parse(name string, data []byte) (*YearCalendar, error) {
	var f yearFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errorf("%s: empty file", name)
		}
		return nil, errorf("%s: %v", name, err)
	}
	if f.Year < 1 || f.Year > 9999 {
		return nil, errorf("%s: missing or invalid year %d", name, f.Year)
	}
	y := &YearCalendar{Year: f.Year, Source: f.Source, File: name}

	// date parses s as a day of the declared year and returns its 0-based day of the year.
	date := func(entry, s string) (int, error) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, errorf("%s: %s: invalid date %q, want YYYY-MM-DD", name, entry, s)
		}
		if t.Year() != f.Year {
			return 0, errorf("%s: %s: date %s is not in year %d", name, entry, s, f.Year)
		}
		return t.YearDay() - 1, nil
	}

	type span struct {
		entry    string
		from, to int
	}
	holidays := make([]span, 0, len(f.Holidays))
	for i, h := range f.Holidays {
		entry := fmt.Sprintf("holiday %d %q", i+1, h.Name)
		if h.Name == "" {
			return nil, errorf("%s: %s: missing name", name, entry)
		}
		from, err := date(entry, h.From)
		if err != nil {
			return nil, err
		}
		to, err := date(entry, h.To)
		if err != nil {
			return nil, err
		}
		if from > to {
			return nil, errorf("%s: %s: from %s is after to %s", name, entry, h.From, h.To)
		}
		holidays = append(holidays, span{entry, from, to})
	}

	workdays := make([]int, 0, len(f.Workdays))
	for i, w := range f.Workdays {
		entry := fmt.Sprintf("workday %d %q", i+1, w.Name)
		if w.Name == "" {
			return nil, errorf("%s: %s: missing name", name, entry)
		}
		day, err := date(entry, w.Date)
		if err != nil {
			return nil, err
		}
		for _, h := range holidays {
			if h.from <= day && day <= h.to {
				return nil, errorf("%s: %s: date %s is also a day off of %s", name, entry, w.Date, h.entry)
			}
		}
		workdays = append(workdays, day)
	}

	jan1 := time.Date(f.Year, time.January, 1, 0, 0, 0, 0, time.UTC)
	days := time.Date(f.Year, time.December, 31, 0, 0, 0, 0, time.UTC).YearDay()
	for d := range days {
		y.set(d, isWeekday(jan1.AddDate(0, 0, d).Weekday()))
	}
	for _, h := range holidays {
		for d := h.from; d <= h.to; d++ {
			y.set(d, false)
		}
	}
	for _, d := range workdays {
		y.set(d, true)
	}
	return y, nil
}

var defaultCalendar = sync.OnceValues(func() (*WorkingDayCalendar, error) {
	years, err := parseDir(embedded, "holidays", "holidays")
	if err != nil {
		return nil, err
	}
	return New(years...)
})

// Default returns the calendar of the years embedded in the binary. It is built once and shared.
func Default() (*WorkingDayCalendar, error) {
	return defaultCalendar()
}

// Load returns the calendar of the embedded years plus every *.yaml file in dir. A file in dir
// for a year that is also embedded replaces the embedded one: that is how an operator ships a
// corrected or newer year without a rebuild. Two files in dir for the same year are an error, as
// is a missing dir. An empty dir means embedded years only.
func Load(dir string) (*WorkingDayCalendar, error) {
	if dir == "" {
		return Default()
	}
	base, err := Default()
	if err != nil {
		return nil, err
	}
	years, err := parseDir(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	replaced := make(map[int]bool, len(years))
	for _, y := range years {
		replaced[y.Year] = true
	}
	for _, y := range base.years {
		if !replaced[y.Year] {
			years = append(years, y)
		}
	}
	return New(years...)
}

// parseDir parses every *.yaml file in dir of fsys, in name order; label names dir in errors.
func parseDir(fsys fs.FS, dir, label string) ([]*YearCalendar, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err // its path is relative to fsys; label says which directory
		}
		return nil, errorf("reading %s: %v", label, err)
	}
	var years []*YearCalendar
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		name := filepath.Join(label, e.Name())
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, errorf("%s: %v", name, err)
		}
		y, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		years = append(years, y)
	}
	return years, nil
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("calendar: "+format, args...)
}
