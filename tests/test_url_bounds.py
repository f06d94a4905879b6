"""What a link can make the app's server compute on every visit is bounded."""

from __future__ import annotations

from latentwalk.streamlit_app import url_state


def test_a_link_asks_for_at_most_max_link_paths():
    values, _, notices = url_state.read({"paths": "4096", "steps": "64", "waypoints": "0-31"})
    assert "num_paths" not in values  # the default (256) is kept
    assert notices == [
        "Ignored `paths=4096` from the link: must be from 8 to 512 in a link (more can be "
        "chosen on the page)."
    ]
    values, _, notices = url_state.read({"paths": str(url_state.MAX_LINK_PATHS)})
    assert values == {"num_paths": "512"} and notices == []
