import type { CameraRig, Vec3 } from './camera.js';
import type { Material, Pattern } from './texture.js';
import { mulberry32 } from '../util/random.js';

/** The inside of an axis-aligned box (walls seen from within); `openTop` leaves the sky visible. */
export interface Room {
  kind: 'room';
  min: Vec3;
  max: Vec3;
  /** Materials of the faces -X, +X, -Y (floor), +Y (ceiling), -Z, +Z. */
  faces: Material[];
  openTop: boolean;
}

export interface Box {
  kind: 'box';
  min: Vec3;
  max: Vec3;
  material: Material;
}

export interface Sphere {
  kind: 'sphere';
  centre: Vec3;
  radius: number;
  material: Material;
}

export type Shape = Room | Box | Sphere;
export type SceneName = 'room' | 'corridor';
export const SCENES: readonly SceneName[] = ['room', 'corridor'];

export interface Scene {
  name: SceneName;
  seed: number;
  shapes: Shape[];
  rig: CameraRig;
  /** Unit vector towards the (directional) light. */
  light: Vec3;
  sky: Vec3;
}

const PATTERNS: Pattern[] = ['checker', 'stripes', 'noise'];

function randomMaterial(rand: () => number, scale: number): Material {
  const colour = (lo: number, hi: number): Vec3 => [lo + (hi - lo) * rand(), lo + (hi - lo) * rand(), lo + (hi - lo) * rand()];
  return {
    a: colour(0.15, 0.5),
    b: colour(0.55, 0.95),
    pattern: PATTERNS[Math.floor(rand() * PATTERNS.length)],
    scale: scale * (0.6 + 0.8 * rand()),
    seed: Math.floor(rand() * 2 ** 31),
  };
}

function randomBox(rand: () => number, x: [number, number], z: [number, number], size: [number, number]): Box {
  const h = size[0] + (size[1] - size[0]) * rand();
  const w = size[0] + (size[1] - size[0]) * rand();
  const d = size[0] + (size[1] - size[0]) * rand();
  const cx = x[0] + (x[1] - x[0]) * rand();
  const cz = z[0] + (z[1] - z[0]) * rand();
  return { kind: 'box', min: [cx - w / 2, 0, cz - d / 2], max: [cx + w / 2, h, cz + d / 2], material: randomMaterial(rand, 0.25) };
}

/** A side of the room chosen at random: objects stay clear of the camera paths (x near 0, and the orbit). */
function side(rand: () => number, inner: number, outer: number): [number, number] {
  return rand() < 0.5 ? [-outer, -inner] : [inner, outer];
}

/**
 * A room 8 x 3 x 10 m with textured walls, floor and ceiling, boxes on the floor and floating spheres; or a 6 m
 * wide, 65 m long street-like corridor open to the sky, with boxes along its walls. Everything from the seed.
 */
export function buildScene(name: SceneName, seed: number): Scene {
  const rand = mulberry32(seed);
  const light: Vec3 = [0.4082, 0.8165, -0.4082];
  const shapes: Shape[] = [];
  if (name === 'room') {
    shapes.push({ kind: 'room', min: [-4, 0, -5], max: [4, 3, 5], faces: Array.from({ length: 6 }, () => randomMaterial(rand, 0.6)), openTop: false });
    for (let i = 0; i < 3; i++) shapes.push(randomBox(rand, [-1.8, 1.8], [2.2, 4], [0.4, 0.9]));
    for (let i = 0; i < 3; i++) shapes.push(randomBox(rand, side(rand, 2.7, 3.3), [-4, 4], [0.4, 0.9]));
    for (let i = 0; i < 3; i++) {
      const r = 0.25 + 0.25 * rand();
      const [x0, x1] = side(rand, 2.5, 3.3);
      const c: Vec3 = [x0 + (x1 - x0) * rand(), 0.8 + 1.4 * rand(), -3 + 7 * rand()];
      shapes.push({ kind: 'sphere', centre: c, radius: r, material: randomMaterial(rand, 0.15) });
    }
    return {
      name, seed, shapes, light, sky: [0, 0, 0],
      rig: { eye: [0, 1.5, -3.5], forward: [0, 0, 1], travel: 4, centre: [0, 0.8, 1], radius: 3 },
    };
  }
  shapes.push({ kind: 'room', min: [-3, 0, -5], max: [3, 6, 60], faces: Array.from({ length: 6 }, () => randomMaterial(rand, 1)), openTop: true });
  for (let i = 0; i < 10; i++) shapes.push(randomBox(rand, side(rand, 1.9, 2.5), [2.5, 55], [0.5, 1.2]));
  for (let i = 0; i < 2; i++) {
    const c: Vec3 = [-1 + 2 * rand(), 3 + rand(), 12 + 30 * rand()];
    shapes.push({ kind: 'sphere', centre: c, radius: 0.5 + 0.5 * rand(), material: randomMaterial(rand, 0.3) });
  }
  return {
    name, seed, shapes, light, sky: [0.55, 0.7, 0.9],
    rig: { eye: [0, 1.6, -3], forward: [0, 0, 1], travel: 8, centre: [0, 1.2, 4], radius: 4 },
  };
}
