# Reference figures from Lumley's R package `survey` for the Jingmin tests.
#
# Reads design.csv, margin_district_sex.csv and margin_age.csv (written by make_reference_data.py)
# and writes survey_reference.csv: one row per (case, domain, quantity) with the value printed to 17
# significant digits, and rake_weights.csv: the raked weight of each respondent.
# Run from the repository root:  Rscript tests/reference/survey_reference.R
# (needs r-base-core and r-cran-survey; the committed outputs record the versions used).

suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")  # the design has none; fail loudly if that ever changes

here <- "tests/reference"
d <- read.csv(file.path(here, "design.csv"), colClasses = "character")
d$design_weight <- as.numeric(d$design_weight)
d$seen <- as.numeric(d$seen)
# A respondent without a cluster is its own PSU, as in the engine.
d$psu <- ifelse(d$cluster == "", d$respondent_id, d$cluster)

des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~design_weight, data = d, nest = TRUE)

out <- data.frame(case = character(), domain = character(), quantity = character(), value = numeric())
add <- function(case, domain, quantity, value) {
  out[nrow(out) + 1, ] <<- list(case, domain, quantity, as.numeric(value))
}

domains <- list(city = rep(TRUE, nrow(d)), D1 = d$district == "D1", D2 = d$district == "D2",
                S1 = d$station == "S1", S2 = d$station == "S2", S3 = d$station == "S3")
for (name in names(domains)) {
  sub <- subset(des, domains[[name]])
  m <- svymean(~seen, sub)
  add("design", name, "mean", coef(m)[1])
  add("design", name, "se", SE(m)[1])
  add("design", name, "degf", degf(sub))
  add("design", name, "n", sum(domains[[name]]))
  add("design", name, "successes", sum(d$seen[domains[[name]]]))
  for (level in c(0.95, 0.9)) {
    tag <- if (level == 0.95) "" else "_90"
    # svyciprop's default: the t quantile on degf(design) degrees of freedom
    ci_t <- attr(svyciprop(~seen, sub, method = "logit", level = level), "ci")
    add("design", name, paste0("logit_low_t", tag), ci_t[1])
    add("design", name, paste0("logit_high_t", tag), ci_t[2])
    # the same interval with the normal quantile (df = Inf)
    ci_z <- attr(svyciprop(~seen, sub, method = "logit", level = level, df = Inf), "ci")
    add("design", name, paste0("logit_low_z", tag), ci_z[1])
    add("design", name, paste0("logit_high_z", tag), ci_z[2])
    add("design", name, paste0("qt", tag), qt(1 - (1 - level) / 2, degf(sub)))
  }
  # Unweighted: the Wilson score interval is prop.test without continuity correction.
  x <- sum(d$seen[domains[[name]]])
  n <- sum(domains[[name]])
  w <- suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int
  add("wilson", name, "low", w[1])
  add("wilson", name, "high", w[2])
}

# Wilson intervals on hand-picked counts, including the edges p = 0 and p = 1 and a 90% level.
wilson_cases <- list(c(7, 10, 0.95), c(0, 12, 0.95), c(12, 12, 0.95), c(1, 3, 0.95), c(45, 50, 0.9))
for (wc in wilson_cases) {
  ci <- suppressWarnings(prop.test(wc[1], wc[2], conf.level = wc[3], correct = FALSE))$conf.int  # small-count warning is about the test, not the interval
  key <- sprintf("%g/%g@%g", wc[1], wc[2], wc[3])
  add("wilson_counts", key, "low", ci[1])
  add("wilson_counts", key, "high", ci[2])
}

# Raking to district x sex and age band, from the design weights, run to full convergence.
ds <- read.csv(file.path(here, "margin_district_sex.csv"), colClasses = c("character", "character", "numeric"))
age <- read.csv(file.path(here, "margin_age.csv"), colClasses = c("character", "numeric"))
names(ds)[names(ds) == "population"] <- "Freq"
names(age)[names(age) == "population"] <- "Freq"
raked <- rake(des, sample.margins = list(~district + sex, ~age_band), population.margins = list(ds, age),
              control = list(maxit = 1000, epsilon = 1e-14, verbose = FALSE))
rw <- weights(raked)
add("rake", "city", "sum_w", sum(rw))
add("rake", "city", "max_margin_error_district_sex",
    max(abs(svytable(~district + sex, raked) - xtabs(Freq ~ district + sex, ds)) / xtabs(Freq ~ district + sex, ds)))
add("rake", "city", "max_margin_error_age",
    max(abs(svytable(~age_band, raked) - xtabs(Freq ~ age_band, age)) / xtabs(Freq ~ age_band, age)))
m_raked <- svymean(~seen, raked)
add("rake", "city", "mean", coef(m_raked)[1])

fmt <- function(v) trimws(formatC(v, digits = 17, format = "g"))
out$value <- fmt(out$value)
writeLines(c(sprintf("# R %s, survey %s", paste(R.version$major, R.version$minor, sep = "."),
                     as.character(packageVersion("survey")))),
           file.path(here, "survey_reference.csv"))
suppressWarnings(write.table(out, file.path(here, "survey_reference.csv"), sep = ",", row.names = FALSE,
                             quote = FALSE, append = TRUE, col.names = TRUE))
write.csv(data.frame(respondent_id = d$respondent_id, weight = fmt(rw)), file.path(here, "rake_weights.csv"),
          row.names = FALSE, quote = FALSE)
