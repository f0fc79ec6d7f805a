package domain

import "time"

// ChinaTime is China Standard Time (UTC+8, no daylight saving), where the county's days begin
// and end. A fixed zone keeps every package (workflows included) free of tzdata lookups.
var ChinaTime = time.FixedZone("CST", 8*3600)
