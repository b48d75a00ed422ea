"""Every environment variable the tutor reads, validated at start-up (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tutor", appauthor=False))


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tutor", appauthor=False))


class Settings(BaseSettings):
    """The core's settings, read from the environment (TUTOR_*). A platform's own settings (SLACK_*,
    DISCORD_*) belong to its adapter (`adapters/<platform>/settings.py`): the core holds none."""

    model_config = SettingsConfigDict(
        env_prefix="TUTOR_", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str = Field(
        default="", description="SQLAlchemy URL; default a SQLite file in the data directory"
    )
    knowledge: str = Field(default="", description="course folder; default the bundled LLM alignment course")
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2", description="sentence-transformers model name or path"
    )
    encoder: str = Field(
        default="onnx",
        description="how the embedding model runs: onnx (fp32 export on onnxruntime, no torch when serving), "
        "torch (sentence-transformers on PyTorch) or onnx-int8 (an experiment)",
    )
    encoder_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="intra-op threads for batches of texts (a single question always runs on one); "
        "0: the cores, at most 4. With several workers on one host: cores / workers",
    )
    data_dir: Path = Field(default_factory=_data_dir)
    cache_dir: Path = Field(default_factory=_cache_dir)
    confidence: float = Field(
        default=0.42, ge=0.0, le=1.0, description="below this similarity the tutor says it is unsure"
    )
    max_text: int = Field(
        default=4000, ge=100, le=40000, description="longest question or answer accepted, in characters"
    )
    round_seconds: int = Field(default=120, ge=10, le=86400, description="how long a class round stays open")
    rate_limit: str = Field(
        default="30/60", description="questions and quizzes per learner: COUNT/SECONDS; 0 turns it off"
    )
    log_format: str = Field(default="text", description="text or json")
    timezone: str = Field(default="UTC", description="default time zone of classes and learners (IANA name)")
    health_port: int = Field(
        default=8080,
        ge=0,
        le=65535,
        description="Discord and Slack Socket Mode workers: the port of GET /healthz and /metrics; 0 turns it off",
    )
    digest_interval: int = Field(
        default=600, ge=10, le=86400, description="seconds between two looks for due review digests"
    )
    log_level: str = "WARNING"
    instructors: str = Field(default="", description="comma-separated user ids treated as instructors")

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, v: str) -> str:
        import re

        if v.strip() != "0" and not re.fullmatch(r"\d+/\d+", v.strip()):
            raise ValueError("TUTOR_RATE_LIMIT is COUNT/SECONDS, e.g. 30/60, or 0 for no limit")
        return v.strip()

    @field_validator("encoder")
    @classmethod
    def _encoder(cls, v: str) -> str:
        if v.strip().lower() not in ("torch", "onnx", "onnx-int8"):
            raise ValueError("TUTOR_ENCODER is onnx, torch or onnx-int8")
        return v.strip().lower()

    @field_validator("log_format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v.lower() not in ("text", "json"):
            raise ValueError("TUTOR_LOG_FORMAT is text or json")
        return v.lower()

    @property
    def rate(self) -> tuple[int, int]:
        if self.rate_limit == "0":
            return 0, 60
        count, seconds = self.rate_limit.split("/")
        return int(count), int(seconds)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from bot.progress.report import valid_zone

        if not valid_zone(v):
            raise ValueError("TUTOR_TIMEZONE is an IANA time zone name such as UTC or Europe/Berlin")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("TUTOR_LOG_LEVEL is one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return v

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tutor.sqlite'}"

    @property
    def course_path(self) -> Path:
        if self.knowledge:
            return Path(self.knowledge).expanduser()
        from bot.course import bundled_course_path

        return bundled_course_path()

    @property
    def embedding_cache(self) -> Path:
        return self.cache_dir / "embeddings.sqlite"

    @property
    def instructor_ids(self) -> set[str]:
        return {x.strip() for x in self.instructors.split(",") if x.strip()}
