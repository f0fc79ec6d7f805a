// Package domain owns talentflow's fixed vocabularies (talent category, education, professional title, task outcome)
// and the pure validators, normalisers and maskers for citizen IDs, unified social credit codes and phone numbers.
package domain
