"""Faces and people: where each face of a picture is, its embedding, and whose it is.

A face analyser's pass over an item is recorded in ``text_passes`` under ``face:<analyser id>``
(so a picture without faces is not looked at again, and a changed file is looked at anew, as
for OCR). Faces are derived data: the next pass recomputes them. People are clusters of faces;
a named person's name is also a tag on their photos (user data, kept by backups).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmdesk.store import paths
from mmdesk.store.base import StoreBase
from mmdesk.store.items import id_list

PRESENT = "JOIN items i ON i.id=fa.item_id JOIN files f ON f.id=i.file_id AND f.status='indexed'"


def pass_name(producer: str) -> str:
    """The ``text_passes`` producer that says ``producer`` has looked at an item's faces."""
    return f"face:{producer}"


@dataclass(frozen=True)
class FaceRow:
    """One face to store: box (pixels of the upright picture), score, area share, vector."""

    box: tuple[float, float, float, float]
    score: float
    area: float
    embedding: np.ndarray | None


@dataclass
class FaceVectors:
    """Every present face with an embedding: ids, items, people (-1: none), pins, vectors."""

    face_ids: np.ndarray
    item_ids: np.ndarray
    person_ids: np.ndarray
    pinned: np.ndarray
    matrix: np.ndarray


class FacesMixin(StoreBase):
    """Write a pass's faces, read faces back, and keep people."""

    def items_without_faces(
        self, producer: str, item_kinds: Sequence[str], limit: int
    ) -> list[int]:
        """Present items of ``item_kinds`` that ``producer`` has not looked at, oldest first."""
        kinds = ",".join("?" * len(item_kinds))
        rows = self._sql(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            f"WHERE i.kind IN ({kinds}) AND NOT EXISTS (SELECT 1 FROM text_passes p "
            "WHERE p.item_id=i.id AND p.producer=?) ORDER BY i.id LIMIT ?",
            (*item_kinds, pass_name(producer), limit),
        )
        return [int(r[0]) for r in rows]

    def forget_face_passes(self, producer: str, item_ids: Iterable[int] | None = None) -> None:
        """Look at these items' (None: every item's) faces again on the next pass."""
        only = "" if item_ids is None else " AND item_id IN (SELECT value FROM json_each(?))"
        params = [pass_name(producer), *([] if item_ids is None else [id_list(item_ids)])]
        with self._write():
            self._sql(f"DELETE FROM text_passes WHERE producer=?{only}", params)

    def replace_faces(self, producer: str, found: Iterable[tuple[int, list[FaceRow]]]) -> list[int]:
        """Replace ``producer``'s faces of each item and mark it looked at; one transaction.
        Returns the new faces' ids."""
        now, new = time.time(), []
        with self.transaction():
            for item_id, faces in found:
                self._sql("DELETE FROM faces WHERE item_id=? AND producer=?", (item_id, producer))
                for face in faces:
                    blob = None if face.embedding is None else _blob(face.embedding)
                    cur = self._sql(
                        "INSERT INTO faces(item_id, producer, x, y, w, h, score, area, embedding,"
                        " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (item_id, producer, *face.box, face.score, face.area, blob, now),
                    )
                    new.append(int(cur.lastrowid or 0))
                self._sql(
                    "INSERT OR REPLACE INTO text_passes(item_id, producer, found, done_at) "
                    "VALUES (?,?,?,?)",
                    (item_id, pass_name(producer), len(faces), now),
                )
        return new

    def face_vectors(self, dim: int) -> FaceVectors:
        """Every present face that has an embedding of width ``dim``."""
        rows = self._sql(
            "SELECT fa.id, fa.item_id, COALESCE(fa.person_id, -1), fa.pinned, fa.embedding "
            f"FROM faces fa {PRESENT} WHERE fa.embedding IS NOT NULL ORDER BY fa.id"
        ).fetchall()
        rows = [r for r in rows if len(r[4]) == 4 * dim]
        matrix = np.frombuffer(b"".join(r[4] for r in rows), np.float32).reshape(len(rows), dim)
        ids, items, people, pins = (np.asarray([r[n] for r in rows], np.int64) for n in range(4))
        return FaceVectors(ids, items, people, pins.astype(bool), matrix.copy())

    def largest_face_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, float32 (N, dim)): each present item's largest face's embedding."""
        rows = self._sql(
            "SELECT fa.item_id, fa.embedding FROM faces fa "
            f"{PRESENT} WHERE fa.embedding IS NOT NULL ORDER BY fa.item_id, fa.area DESC, fa.id"
        ).fetchall()
        best: dict[int, bytes] = {}
        for item, blob in rows:
            if len(blob) == 4 * dim:
                best.setdefault(int(item), blob)
        matrix = np.frombuffer(b"".join(best.values()), np.float32).reshape(len(best), dim)
        return np.asarray(list(best), np.int64), matrix.copy()

    def faces_for(self, item_id: int) -> list[dict[str, Any]]:
        """An item's faces: ``{"id", "box": [x, y, w, h], "score", "area", "person_id",
        "person"}``, largest first."""
        rows = self.query(
            "SELECT fa.id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.area, fa.person_id, p.name "
            "FROM faces fa LEFT JOIN people p ON p.id=fa.person_id WHERE fa.item_id=? "
            "ORDER BY fa.area DESC, fa.id",
            (item_id,),
        )
        return [_face_dict(r) for r in rows]

    def face_stats(self) -> dict[int, tuple[int, float, float]]:
        """Present item id -> (faces, largest face's area share, all faces' area share)."""
        rows = self._sql(
            f"SELECT fa.item_id, COUNT(*), MAX(fa.area), SUM(fa.area) FROM faces fa {PRESENT} "
            "GROUP BY fa.item_id"
        )
        return {int(i): (int(n), float(big), float(total)) for i, n, big, total in rows}

    def face_count(self) -> int:
        return int(self.scalar("SELECT COUNT(*) FROM faces") or 0)

    # people -------------------------------------------------------------------------------
    def add_person(self) -> int:
        with self._write():
            cur = self._sql("INSERT INTO people(created_at) VALUES (?)", (time.time(),))
        return int(cur.lastrowid or 0)

    def assign_faces(self, pairs: Iterable[tuple[int, int | None]], *, pin: bool = False) -> None:
        """Put faces in people (``(face id, person id or None)``); ``pin``: a person did."""
        sql = "UPDATE faces SET person_id=?, pinned=MAX(pinned, ?) WHERE id=?"
        with self._write():
            self._many(sql, [(person, int(pin), face) for face, person in pairs])

    def drop_empty_people(self) -> int:
        """Forget people left without faces (a named one's tag stays); returns how many."""
        with self._write():
            cur = self._sql(
                "DELETE FROM people WHERE NOT EXISTS "
                "(SELECT 1 FROM faces WHERE person_id=people.id)"
            )
        return max(cur.rowcount, 0)

    def people_rows(self) -> list[dict[str, Any]]:
        """Every person with faces: ``{"id", "name", "tag_id", "faces", "photos"}``, most
        photographed first."""
        rows = self.query(
            "SELECT p.id, p.name, p.tag_id, COUNT(fa.id) AS faces, "
            f"COUNT(DISTINCT fa.item_id) AS photos FROM people p JOIN faces fa "
            f"ON fa.person_id=p.id {PRESENT} GROUP BY p.id ORDER BY photos DESC, p.id"
        )
        return [dict(r) for r in rows]

    def person_row(self, person_id: int) -> dict[str, Any] | None:
        row = self.query("SELECT id, name, tag_id FROM people WHERE id=?", (person_id,))
        return dict(row[0]) if row else None

    def set_person_name(self, person_id: int, name: str | None, tag_id: int | None) -> None:
        with self._write():
            self._sql("UPDATE people SET name=?, tag_id=? WHERE id=?", (name, tag_id, person_id))

    def person_faces(self, person_id: int) -> list[dict[str, Any]]:
        """A person's present faces with their picture: largest first."""
        rows = self.query(
            "SELECT fa.id, fa.item_id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.area, f.path "
            f"FROM faces fa {PRESENT} WHERE fa.person_id=? ORDER BY fa.area DESC, fa.id",
            (person_id,),
        )
        return [
            {**_face_dict(r), "item_id": r["item_id"], "path": paths.decode(r["path"])}
            for r in rows
        ]

    def person_items(self, person_id: int) -> list[int]:
        """Present items showing the person, in item order."""
        rows = self._sql(
            f"SELECT DISTINCT fa.item_id FROM faces fa {PRESENT} WHERE fa.person_id=? "
            "ORDER BY fa.item_id",
            (person_id,),
        )
        return [int(r[0]) for r in rows]

    def tag_name(self, tag_id: int) -> str | None:
        """The name of a tag by id (a named person's), or None when it is gone."""
        name = self.scalar("SELECT name FROM tags WHERE id=?", (tag_id,))
        return None if name is None else str(name)

    def delete_all_faces(self) -> None:
        """Forget every face, person and face pass (faces turned off)."""
        with self.transaction():
            self._sql("DELETE FROM faces")
            self._sql("DELETE FROM people")
            self._sql("DELETE FROM text_passes WHERE producer LIKE 'face:%'")


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, np.float32).tobytes()


def _face_dict(row: Any) -> dict[str, Any]:
    keys = row.keys()
    out = {
        "id": int(row["id"]),
        "box": [row["x"], row["y"], row["w"], row["h"]],
        "score": row["score"],
        "area": row["area"],
    }
    if "person_id" in keys:
        out["person_id"] = row["person_id"]
        out["person"] = row["name"]
    return out
