package domain

import (
	"testing"
	"time"
)

func TestContactsFallDueEvenlyThroughTheYear(t *testing.T) {
	for perYear, want := range map[int][]string{
		2: {"2027-06-30", "2027-12-31"},
		4: {"2027-03-31", "2027-06-30", "2027-09-30", "2027-12-31"},
		1: {"2027-12-31"},
		12: {"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31",
			"2027-08-31", "2027-09-30", "2027-10-31", "2027-11-30", "2027-12-31"},
	} {
		got, err := ContactDueDates(2027, perYear)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d per year: %v", perYear, got)
		}
		for i := range want {
			if d := got[i].Format("2006-01-02"); d != want[i] {
				t.Errorf("%d per year, #%d: %s, want %s", perYear, i+1, d, want[i])
			}
		}
	}
	for _, bad := range []int{0, 5, 7, -2} {
		if _, err := ContactDueDates(2027, bad); err == nil {
			t.Errorf("%d per year should be refused", bad)
		}
	}
	if !PoorRating(2) || PoorRating(3) || RatingLabel(5) != "非常满意" || RatingLabel(1) != "非常不满意" {
		t.Error("the 好差评 levels")
	}
	if !DemandSpouseJob.Valid() || DemandType("pets").Valid() || DemandSchool.Label() != "子女入学" {
		t.Error("demand types")
	}
}

func TestDueDatesFollowTheCadence(t *testing.T) {
	day := func(s string) time.Time {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		started string
		perYear int
		first   string
	}{
		{"2026-01-10", 2, "2026-06-30"},
		{"2026-06-10", 2, "2026-12-31"}, // 30 June is less than 30 days away
		{"2026-12-20", 2, "2027-06-30"},
		{"2026-01-10", 4, "2026-03-31"},
		{"2026-03-15", 4, "2026-06-30"},
	} {
		first, err := FirstDueDate(day(tc.started), tc.perYear, 30)
		if err != nil || first.Format(time.DateOnly) != tc.first {
			t.Errorf("started %s, %d a year: first due %s (%v), want %s", tc.started, tc.perYear, first.Format(time.DateOnly), err, tc.first)
		}
	}
	next, _ := NextDueDate(day("2026-12-31"), 2)
	if next.Format(time.DateOnly) != "2027-06-30" {
		t.Errorf("after 31 December comes %s", next.Format(time.DateOnly))
	}
	got := DueDatesIn(day("2026-06-30"), day("2026-01-01"), day("2027-12-31"), 2)
	if len(got) != 4 || got[3].Format(time.DateOnly) != "2027-12-31" {
		t.Errorf("due dates of two years: %v", got)
	}
}
