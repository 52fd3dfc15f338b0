/**
 * The fixed little world the commonsense generator talks about. Facts never change between documents
 * (a cow always says "moo"), so a model trained on the text can actually learn them.
 */
export interface Animal {
  name: string;
  plural: string;
  legs: number;
  sound: string;
  home: string;
  food: string;
  size: 'small' | 'medium' | 'large';
  ability: string;
  color: string;
}

export const ANIMALS: Animal[] = [
  {
    name: 'cow',
    plural: 'cows',
    legs: 4,
    sound: 'moo',
    home: 'farm',
    food: 'grass',
    size: 'large',
    ability: 'give milk',
    color: 'black and white',
  },
  {
    name: 'dog',
    plural: 'dogs',
    legs: 4,
    sound: 'woof',
    home: 'house',
    food: 'meat',
    size: 'medium',
    ability: 'fetch a ball',
    color: 'brown',
  },
  {
    name: 'cat',
    plural: 'cats',
    legs: 4,
    sound: 'meow',
    home: 'house',
    food: 'fish',
    size: 'small',
    ability: 'climb trees',
    color: 'grey',
  },
  {
    name: 'duck',
    plural: 'ducks',
    legs: 2,
    sound: 'quack',
    home: 'pond',
    food: 'seeds',
    size: 'small',
    ability: 'swim',
    color: 'white',
  },
  {
    name: 'horse',
    plural: 'horses',
    legs: 4,
    sound: 'neigh',
    home: 'stable',
    food: 'hay',
    size: 'large',
    ability: 'run fast',
    color: 'brown',
  },
  {
    name: 'sheep',
    plural: 'sheep',
    legs: 4,
    sound: 'baa',
    home: 'field',
    food: 'grass',
    size: 'medium',
    ability: 'grow wool',
    color: 'white',
  },
  {
    name: 'owl',
    plural: 'owls',
    legs: 2,
    sound: 'hoot',
    home: 'forest',
    food: 'mice',
    size: 'small',
    ability: 'see at night',
    color: 'brown',
  },
  {
    name: 'frog',
    plural: 'frogs',
    legs: 4,
    sound: 'croak',
    home: 'pond',
    food: 'flies',
    size: 'small',
    ability: 'jump far',
    color: 'green',
  },
  {
    name: 'bee',
    plural: 'bees',
    legs: 6,
    sound: 'buzz',
    home: 'hive',
    food: 'nectar',
    size: 'small',
    ability: 'make honey',
    color: 'yellow and black',
  },
  {
    name: 'elephant',
    plural: 'elephants',
    legs: 4,
    sound: 'trumpet',
    home: 'savanna',
    food: 'leaves',
    size: 'large',
    ability: 'lift logs with its trunk',
    color: 'grey',
  },
  {
    name: 'lion',
    plural: 'lions',
    legs: 4,
    sound: 'roar',
    home: 'savanna',
    food: 'meat',
    size: 'large',
    ability: 'hunt in groups',
    color: 'golden',
  },
  {
    name: 'spider',
    plural: 'spiders',
    legs: 8,
    sound: 'nothing',
    home: 'web',
    food: 'insects',
    size: 'small',
    ability: 'spin webs',
    color: 'black',
  },
  {
    name: 'pig',
    plural: 'pigs',
    legs: 4,
    sound: 'oink',
    home: 'farm',
    food: 'vegetables',
    size: 'medium',
    ability: 'find truffles',
    color: 'pink',
  },
  {
    name: 'goat',
    plural: 'goats',
    legs: 4,
    sound: 'bleat',
    home: 'hill',
    food: 'grass',
    size: 'medium',
    ability: 'climb rocks',
    color: 'white',
  },
  {
    name: 'penguin',
    plural: 'penguins',
    legs: 2,
    sound: 'squawk',
    home: 'ice',
    food: 'fish',
    size: 'medium',
    ability: 'swim under water',
    color: 'black and white',
  },
  {
    name: 'rabbit',
    plural: 'rabbits',
    legs: 4,
    sound: 'squeak',
    home: 'burrow',
    food: 'carrots',
    size: 'small',
    ability: 'dig holes',
    color: 'white',
  },
];

export interface Thing {
  name: string;
  material: string;
  use: string;
  room: string;
  color: string;
}

export const THINGS: Thing[] = [
  { name: 'cup', material: 'glass', use: 'drink water', room: 'kitchen', color: 'clear' },
  { name: 'spoon', material: 'metal', use: 'eat soup', room: 'kitchen', color: 'silver' },
  { name: 'pillow', material: 'cotton', use: 'rest your head', room: 'bedroom', color: 'white' },
  { name: 'chair', material: 'wood', use: 'sit down', room: 'dining room', color: 'brown' },
  { name: 'towel', material: 'cloth', use: 'dry your hands', room: 'bathroom', color: 'blue' },
  { name: 'lamp', material: 'metal', use: 'light the room', room: 'living room', color: 'yellow' },
  { name: 'book', material: 'paper', use: 'read stories', room: 'library', color: 'red' },
  { name: 'pan', material: 'iron', use: 'fry eggs', room: 'kitchen', color: 'black' },
  { name: 'toothbrush', material: 'plastic', use: 'clean your teeth', room: 'bathroom', color: 'green' },
  { name: 'blanket', material: 'wool', use: 'keep warm at night', room: 'bedroom', color: 'grey' },
  { name: 'shovel', material: 'steel', use: 'dig in the garden', room: 'shed', color: 'orange' },
  { name: 'clock', material: 'plastic', use: 'tell the time', room: 'hall', color: 'white' },
];

/** Causes and their everyday consequences: the backbone of event sentences ("because", "so"). */
export const CAUSES: [cause: string, effect: string][] = [
  ['it started to rain', 'took an umbrella'],
  ['the room was dark', 'switched on the lamp'],
  ['the milk was gone', 'went to the shop to buy more'],
  ['the soup was too hot', 'waited for it to cool down'],
  ['the plant looked dry', 'watered it'],
  ['the bus was late', 'walked to school instead'],
  ['it was cold outside', 'put on a warm coat'],
  ['the floor was dirty', 'swept it with a broom'],
  ['the phone battery was low', 'plugged in the charger'],
  ['the baby was crying', 'sang a quiet song'],
  ['the bread was stale', 'fed it to the ducks'],
  ['the door was locked', 'looked for the key'],
  ['the tire was flat', 'pumped it up'],
  ['the window was open and the wind was strong', 'closed the window'],
];

export const NAMES: [name: string, pronoun: 'he' | 'she' | 'they'][] = [
  ['Anna', 'she'],
  ['Ben', 'he'],
  ['Chen', 'he'],
  ['Dara', 'she'],
  ['Eli', 'he'],
  ['Fatima', 'she'],
  ['Gus', 'he'],
  ['Hana', 'she'],
  ['Ivan', 'he'],
  ['Jo', 'they'],
  ['Kemal', 'he'],
  ['Lena', 'she'],
  ['Mia', 'she'],
  ['Noah', 'he'],
  ['Omar', 'he'],
  ['Priya', 'she'],
  ['Sam', 'they'],
  ['Tomas', 'he'],
];

export const PLACES = [
  'park',
  'market',
  'beach',
  'library',
  'farm',
  'school',
  'river',
  'station',
  'garden',
  'museum',
];
export const TIMES = ['six', 'seven', 'eight', 'nine'];
export const MORNING = [
  'brushed their teeth',
  'made breakfast',
  'fed the cat',
  'read the news',
  'packed a bag',
  'made the bed',
];

export function possessive(pronoun: 'he' | 'she' | 'they'): string {
  return pronoun === 'he' ? 'his' : pronoun === 'she' ? 'her' : 'their';
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
