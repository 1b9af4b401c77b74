"""Asking teachers: the cached, resumable annotation engine (no torch here)."""

from distillkit.annotation.cache import CacheEntry, TeacherCache, cache_key
from distillkit.annotation.engine import AnnotationEngine
from distillkit.annotation.stats import AnnotationResult, AnnotationStats

__all__ = ["AnnotationEngine", "AnnotationResult", "AnnotationStats", "CacheEntry", "TeacherCache", "cache_key"]
