// The Walk panel's player: which frame of the walk is on show, Play / Pause, the scrub slider
// and the frame's label ("frame 11 of 17 · seed 42 → seed 7, t = 0.25"). It knows the walk's
// shape (frames, legs and their names), not its pixels: showing a frame calls onFrame(index).
import { FRAME_MS } from './walk_column.js';

const $ = (id) => document.getElementById(id);

export function createWalkPlayer(app, onFrame) {
  const scrub = $('scrub');
  const play = $('play');
  const player = {
    frames: 0,
    current: 0,
    labels: [], // the waypoints' names: seeds, or "your image"
    steps: 1, // frames per leg
    timer: null,

    /** A new walk of `frames` frames through waypoints named `labels`, `steps` a leg. */
    setWalk({ frames, labels, steps }) {
      Object.assign(player, { frames, labels, steps });
      scrub.max = String(frames - 1);
    },

    /** The dashed lines of the charts: the steps where a new leg starts, and their names. */
    waypoints() {
      return {
        waypoints: player.labels.slice(1, -1).map((_, k) => (k + 1) * player.steps),
        labels: player.labels.slice(1, -1),
      };
    },

    /** Show frame `index` (clamped to the walk); `remember` writes it into the link. */
    show(index, remember = false) {
      if (!player.frames) return;
      player.current = Math.max(0, Math.min(player.frames - 1, index));
      scrub.value = String(player.current);
      const leg = Math.min(Math.floor(player.current / player.steps), player.labels.length - 2);
      const t = (player.current - leg * player.steps) / player.steps;
      $('frame-label').textContent = `frame ${player.current + 1} of ${player.frames} · ` +
        `${player.labels[leg]} → ${player.labels[leg + 1]}, t = ${t.toFixed(2)}`;
      onFrame(player.current);
      if (remember) app.remember({ frame: player.current });
    },

    start() {
      if (player.frames < 2) return;
      play.textContent = 'Pause';
      play.setAttribute('aria-pressed', 'true');
      player.timer = setInterval(() => player.show((player.current + 1) % player.frames), FRAME_MS);
    },

    pause() {
      clearInterval(player.timer);
      player.timer = null;
      play.textContent = 'Play';
      play.setAttribute('aria-pressed', 'false');
      app.remember({ frame: player.current });
    },
  };

  scrub.addEventListener('input', () => player.show(Number(scrub.value)));
  scrub.addEventListener('change', () => app.remember({ frame: player.current }));
  play.addEventListener('click', () => (player.timer ? player.pause() : player.start()));
  return player;
}
