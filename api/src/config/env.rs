//! Reading variables: one place that trims, parses and names the variable in every error.

use std::{collections::HashMap, fmt, time::Duration};

use super::ConfigError;

/// The process environment, or a test's variables: empty values count as unset.
pub(super) struct Env(pub(super) HashMap<String, String>);

impl Env {
    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub(super) fn parse<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|err| ConfigError(format!("{name} has an invalid value '{raw}': {err}"))),
        }
    }
}

/// A duration in (possibly fractional) seconds, greater than zero.
pub(super) fn positive_seconds(
    env: &Env,
    name: &str,
    default: f64,
) -> Result<Duration, ConfigError> {
    let seconds: f64 = env.parse(name, default)?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds < 86_400.0) {
        return Err(ConfigError(format!(
            "{name} must be a number of seconds between 0 and 86400, got {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}
