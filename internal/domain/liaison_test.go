package domain

import "testing"

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
